#!/usr/bin/env bash
# Reference IOPS for 4 KiB random reads on this machine, to read next to the JMH numbers:
#   fio with --ioengine=io_uring, and the project's liburing C loop bench/ref/uring-ref.c (one io_uring_enter
#   per batch of completions), each at QD1 and QD32, from the page cache and with O_DIRECT, SECONDS (default 3)
#   per run.
#
# Usage: bench/fio-reference.sh FILE
#   FILE      the file to read; created (256 MiB of random bytes) if missing. The JMH benchmarks use
#             target/io-uring-bench/data-256m.bin (relative to where they ran).
# Environment:
#   SECONDS_PER_RUN  seconds per run (default 3)
#   URING_REF        the uring-ref binary (default bench/target/uring-ref); built from URING_REF_SRC when
#                    missing or older than it
#   URING_REF_SRC    its source (default bench/ref/uring-ref.c); building needs gcc and liburing-dev
#   FIO              the fio binary (default fio)
#   FIO_EXTRA        extra fio options, e.g. "--iodepth_batch_submit=32 --iodepth_batch_complete_min=1"
#
# Missing tools are skipped with a message: apt-get install -y fio liburing-dev
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 FILE" >&2
    exit 2
fi
file=$1
secs=${SECONDS_PER_RUN:-3}
fio_bin=${FIO:-fio}
# The project's own files are found from this script's directory (bench/), wherever it is run from.
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
uring_ref=${URING_REF:-$bench_dir/target/uring-ref}
uring_ref_src=${URING_REF_SRC:-$bench_dir/ref/uring-ref.c}

if [[ ! -f $file ]]; then
    echo "# $file is missing: creating 256 MiB of random bytes"
    head -c 256M /dev/urandom >"$file"
    sync "$file"
fi
fs_type=$(stat -f -c %T "$file")
if [[ $fs_type == tmpfs ]]; then
    echo "# warning: $file is on tmpfs: O_DIRECT there measures no device (and fails before Linux 6.6)" >&2
fi

warm() {
    cat "$file" >/dev/null
    if command -v fincore >/dev/null; then
        fincore --noheadings --output RES,SIZE "$file" | awk '{print "# page cache: " $1 " of " $2 " resident"}'
    fi
}

have_fio=0
if command -v "$fio_bin" >/dev/null; then
    if "$fio_bin" --enghelp=io_uring >/dev/null 2>&1; then
        have_fio=1
    else
        echo "# fio has no io_uring engine here: skipping fio"
    fi
else
    echo "# fio is not installed: skipping fio (apt-get install -y fio)"
fi

have_ref=0
if [[ -x $uring_ref && ! $uring_ref_src -nt $uring_ref ]]; then
    have_ref=1
elif [[ ! -f $uring_ref_src ]]; then
    echo "# $uring_ref_src is missing: skipping uring-ref"
elif ! command -v gcc >/dev/null; then
    echo "# gcc is not installed: skipping uring-ref (apt-get install -y gcc liburing-dev)"
elif ! echo '#include <liburing.h>' | gcc -E -x c - >/dev/null 2>&1; then
    echo "# liburing's headers are not installed: skipping uring-ref (apt-get install -y liburing-dev)"
else
    echo "# building $uring_ref from $uring_ref_src"
    mkdir -p "$(dirname "$uring_ref")"
    if gcc -O2 -Wall -o "$uring_ref" "$uring_ref_src" -luring; then
        have_ref=1
    else
        echo "# could not build uring-ref: skipping it"
    fi
fi

# fio IOPS of one run: QD, then "cached" or "direct".
run_fio() {
    local qd=$1 mode=$2 opts
    opts=(--name=randread-qd$qd-$mode --filename="$file" --ioengine=io_uring --rw=randread --bs=4k
          --iodepth="$qd" --numjobs=1 --runtime="$secs" --time_based --invalidate=0
          --output-format=terse --terse-version=3)
    if [[ $mode == direct ]]; then
        opts+=(--direct=1)
    fi
    # shellcheck disable=SC2206 # FIO_EXTRA is split on purpose
    opts+=(${FIO_EXTRA:-})
    # terse v3: field 8 is the read IOPS
    "$fio_bin" "${opts[@]}" 2>/dev/null | awk -F';' 'NF > 8 {print $8; exit}'
}

# uring-ref IOPS of one run: QD, then "cached" or "direct".
run_ref() {
    local qd=$1 mode=$2 args=("$file" "$1" "$secs")
    if [[ $mode == direct ]]; then
        args+=(direct)
    fi
    "$uring_ref" "${args[@]}" | sed -n 's/.*iops=\([0-9]*\).*sqes_per_submit=\([0-9.]*\).*/\1 \2/p'
}

declare -A fio_iops ref_iops ref_batch
for mode in cached direct; do
    for qd in 1 32; do
        key=$mode-$qd
        fio_iops[$key]=-
        ref_iops[$key]=-
        ref_batch[$key]=-
        if ((have_fio)); then
            [[ $mode == cached ]] && warm
            fio_iops[$key]=$(run_fio "$qd" "$mode" || true)
            [[ -n ${fio_iops[$key]} ]] || fio_iops[$key]=failed
            echo "# fio      $mode QD$qd: ${fio_iops[$key]} IOPS"
        fi
        if ((have_ref)); then
            [[ $mode == cached ]] && warm
            read -r iops batch < <(run_ref "$qd" "$mode" || true) || true
            ref_iops[$key]=${iops:-failed}
            ref_batch[$key]=${batch:--}
            echo "# uring-ref $mode QD$qd: ${ref_iops[$key]} IOPS"
        fi
    done
done

echo
echo "4 KiB random reads, $file ($fs_type), ${secs} s per run, $(nproc) CPUs, kernel $(uname -r)"
printf '%-18s %14s %15s %15s\n' workload "fio io_uring" "uring-ref (C)" "ref SQEs/enter"
for mode in cached direct; do
    for qd in 1 32; do
        key=$mode-$qd
        label=$([[ $mode == cached ]] && echo "page cache" || echo "O_DIRECT")", QD$qd"
        printf '%-18s %14s %15s %15s\n' "$label" "${fio_iops[$key]}" "${ref_iops[$key]}" "${ref_batch[$key]}"
    done
done
