/*
 * refuse-io-uring-setup ERRNO PROGRAM ARGS...: runs PROGRAM under a seccomp filter that makes io_uring_setup
 * (syscall 425 on x86_64 and aarch64) fail with ERRNO, as a container's seccomp profile does. Needs no
 * privileges: PR_SET_NO_NEW_PRIVS lets any process install a filter on itself.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s ERRNO PROGRAM ARGS...\n", argv[0]);
        return 2;
    }
    const unsigned int err = (unsigned int) atoi(argv[1]);
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 425, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = { sizeof(filter) / sizeof(filter[0]), filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        perror("seccomp");
        return 3;
    }
    execv(argv[2], argv + 2);
    perror("execv");
    return 4;
}
