/**
 * Internal API: no compatibility promise; anything here may change or go in any release without notice.
 * Use the public package {@link io.uringactor.stream.javadsl} ({@code UringFileIO} and its settings)
 * instead.
 *
 * <p>The stages here are public only because {@code javadsl} builds them; each such class is marked
 * {@link org.apache.pekko.annotation.InternalApi}.
 */
@InternalApi
package io.uringactor.stream.impl;

import org.apache.pekko.annotation.InternalApi;
