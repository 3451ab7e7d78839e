/*
 * uring-ref: the IOPS that liburing reaches on this machine for 4 KiB random reads, without a JVM.
 *
 *   uring-ref FILE QD SECONDS [direct]
 *
 * One thread keeps QD reads of 4 KiB at random 4 KiB-aligned offsets of FILE in flight for SECONDS. Each
 * turn of the loop waits for a completion, reaps every completion there is and queues one new read per
 * completion.
 *
 * From the page cache (FILE resident: warm it with cat FILE >/dev/null) a read completes inside the enter
 * that submits it, so the new reads go in with the io_uring_enter that waits for the next completion
 * (io_uring_submit_and_wait(ring, 1)): one system call per batch.
 *
 * With "direct" FILE is opened with O_DIRECT (a disk filesystem; tmpfs refuses it before Linux 6.6) and each
 * new read is submitted at once, an enter of its own, as fio does; the last of a batch goes in with the
 * enter that waits. Submitted as one batch the reads are plugged in the block layer, which on a virtio disk
 * reached ~0.8x the IOPS. The ring actor and the compare harness's uring-raw engine do the same.
 *
 * Prints one line, which bench/fio-reference.sh reads:
 *   uring-ref qd=32 direct=0 iops=1282469 sqes_per_submit=32.00 ops=2564960 seconds=2.00
 *
 * Build: gcc -O2 -Wall -o uring-ref uring-ref.c -luring   (Debian: apt-get install -y gcc liburing-dev)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: cheap and good enough to spread the offsets; a fixed seed makes runs alike. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

struct job {
    struct io_uring ring;
    int fd;
    uint64_t blocks; /* whole 4 KiB blocks in the file */
    char *buffers;   /* qd buffers of BLOCK bytes, 4 KiB-aligned for O_DIRECT */
};

/* Queues a read into buffer slot (user_data = slot); the caller submits. */
static void queue_read(struct job *job, unsigned slot) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&job->ring);
    if (sqe == NULL) { /* cannot happen: never more than qd SQEs are queued, and the ring has qd entries */
        fprintf(stderr, "uring-ref: the submission queue is full\n");
        exit(1);
    }
    off_t offset = (off_t)(next_random() % job->blocks) * BLOCK;
    io_uring_prep_read(sqe, job->fd, job->buffers + (size_t)slot * BLOCK, BLOCK, offset);
    sqe->user_data = slot;
}

static int usage(const char *self) {
    fprintf(stderr, "usage: %s FILE QD SECONDS [direct]\n", self);
    return 2;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        return usage(argv[0]);
    }
    const char *path = argv[1];
    char *end;
    long qd = strtol(argv[2], &end, 10);
    if (*end != '\0' || qd < 1 || qd > 4096) {
        fprintf(stderr, "uring-ref: QD must be 1 to 4096, not %s\n", argv[2]);
        return 2;
    }
    double duration = strtod(argv[3], &end);
    if (*end != '\0' || !(duration > 0)) {
        fprintf(stderr, "uring-ref: SECONDS must be a positive number, not %s\n", argv[3]);
        return 2;
    }
    int direct = 0;
    if (argc == 5) {
        if (strcmp(argv[4], "direct") != 0) {
            return usage(argv[0]);
        }
        direct = 1;
    }

    struct job job;
    job.fd = open(path, O_RDONLY | (direct ? O_DIRECT : 0));
    if (job.fd < 0) {
        fprintf(stderr, "uring-ref: open %s%s: %s\n", path, direct ? " with O_DIRECT" : "", strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(job.fd, &st) != 0) {
        fprintf(stderr, "uring-ref: stat %s: %s\n", path, strerror(errno));
        return 1;
    }
    job.blocks = (uint64_t)st.st_size / BLOCK;
    if (job.blocks == 0) {
        fprintf(stderr, "uring-ref: %s is smaller than one %d-byte block\n", path, BLOCK);
        return 1;
    }
    if (posix_memalign((void **)&job.buffers, BLOCK, (size_t)qd * BLOCK) != 0) {
        fprintf(stderr, "uring-ref: cannot allocate %ld buffers\n", qd);
        return 1;
    }
    int rc = io_uring_queue_init((unsigned)qd, &job.ring, 0);
    if (rc < 0) {
        fprintf(stderr, "uring-ref: io_uring_queue_init: %s\n", strerror(-rc));
        return 1;
    }

    unsigned *free_slots = malloc((size_t)qd * sizeof *free_slots);
    if (free_slots == NULL) {
        fprintf(stderr, "uring-ref: out of memory\n");
        return 1;
    }
    unsigned n_free = (unsigned)qd;
    for (unsigned slot = 0; slot < n_free; slot++) {
        free_slots[slot] = slot;
    }
    unsigned long long completed = 0, submitted = 0, enters = 0;
    double start = seconds_now(), deadline = start + duration, now = start;
    for (;;) {
        /* A new read into every free buffer. O_DIRECT: each goes in at once with an enter of its own (see the
           top), but the last, which goes in with the enter that waits. */
        for (unsigned i = 0; i < n_free; i++) {
            queue_read(&job, free_slots[i]);
            if (direct && i + 1 < n_free) {
                rc = io_uring_submit(&job.ring);
                if (rc < 0) {
                    fprintf(stderr, "uring-ref: io_uring_submit: %s\n", strerror(-rc));
                    return 1;
                }
                submitted += (unsigned long long)rc;
                enters++;
            }
        }
        rc = io_uring_submit_and_wait(&job.ring, 1);
        while (rc == -EINTR) {
            rc = io_uring_submit_and_wait(&job.ring, 1);
        }
        if (rc < 0) {
            fprintf(stderr, "uring-ref: io_uring_submit_and_wait: %s\n", strerror(-rc));
            return 1;
        }
        submitted += (unsigned long long)rc;
        enters++;

        /* Reap every completion there is: their buffers are free again. */
        struct io_uring_cqe *cqe;
        unsigned head;
        n_free = 0;
        io_uring_for_each_cqe(&job.ring, head, cqe) {
            if (cqe->res != BLOCK) {
                fprintf(stderr, "uring-ref: a read returned %s\n",
                        cqe->res < 0 ? strerror(-cqe->res) : "fewer bytes than a block");
                return 1;
            }
            free_slots[n_free++] = (unsigned)cqe->user_data;
        }
        io_uring_cq_advance(&job.ring, n_free);
        completed += n_free;

        now = seconds_now();
        if (now >= deadline) {
            break;
        }
    }
    double elapsed = now - start;
    printf("uring-ref qd=%ld direct=%d iops=%.0f sqes_per_submit=%.2f ops=%llu seconds=%.2f\n", qd, direct,
           (double)completed / elapsed, enters ? (double)submitted / (double)enters : 0.0, completed, elapsed);
    io_uring_queue_exit(&job.ring);
    close(job.fd);
    free(job.buffers);
    free(free_slots);
    return 0;
}
