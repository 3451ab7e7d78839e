package io.uringactor.ring;

/**
 * Receives completions from {@link CompletionQueue#drain}. Called with primitives so that reaping
 * allocates nothing per CQE.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * @param userData the {@code user_data} the SQE was prepared with
     * @param res      the result: bytes transferred, a new fd, 0, or {@code -errno}
     * @param flags    the CQE flags ({@code IORING_CQE_F_*})
     */
    void onCompletion(long userData, int res, int flags);
}
