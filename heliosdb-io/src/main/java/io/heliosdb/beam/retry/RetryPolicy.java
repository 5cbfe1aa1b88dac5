package io.heliosdb.beam.retry;

import java.io.Serializable;

/**
 * The retry settings a reader needs, in milliseconds (from {@code RetryOptions}).
 *
 * @param connectionRetryMillis how long connection failures are retried, from the first
 * @param readRetries how many times a failed read is retried
 * @param readRetryDelayMillis the pause before each read retry
 */
public record RetryPolicy(long connectionRetryMillis, int readRetries, long readRetryDelayMillis)
    implements Serializable {}
