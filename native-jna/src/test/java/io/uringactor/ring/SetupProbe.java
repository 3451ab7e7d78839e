package io.uringactor.ring;

/** Run in a child JVM by {@link SeccompRefusalTest}: opens a ring and prints what happened, one line. */
public final class SetupProbe {
    private SetupProbe() {
    }

    public static void main(String[] args) {
        try (IoUring ring = IoUring.open(8)) {
            System.out.println("OPENED " + ring);
        } catch (IoUringUnavailableException e) {
            System.out.println("UNAVAILABLE " + e.getMessage() + " | cause: " + e.getCause().getMessage());
        }
    }
}
