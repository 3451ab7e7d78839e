package io.uringactor.actor;

/**
 * An open file of one ring actor. Opaque: it is valid only with the actor that issued it and only until
 * it is closed; a stale, closed or forged handle gets an {@link InvalidRequestException}, never another
 * file's data.
 *
 * @param id the actor's private identifier of the file
 */
public record FileHandle(long id) {
    /** The file of an actor made by {@link RingActor#createForFile}, opened when the actor started. */
    public static final FileHandle BOUND = new FileHandle(0x8000_0000_0000_0000L);
}
