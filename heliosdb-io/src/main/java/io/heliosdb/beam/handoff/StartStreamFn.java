package io.heliosdb.beam.handoff;

import io.heliosdb.beam.cdc.CdcSpec;
import io.heliosdb.beam.metrics.SourceMetrics;
import io.heliosdb.beam.pool.ConnectionPools;
import io.heliosdb.beam.pool.PooledDataSource;
import io.heliosdb.beam.retry.Retrier;
import org.apache.beam.sdk.transforms.DoFn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fixes where the change stream of a set of tables starts, before any of their chunks is read
 * ({@link PlanHandoffFn#fixStart}), and outputs it as the plan's start part.
 */
final class StartStreamFn extends DoFn<byte[], HandoffPart> {
  private static final Logger LOG = LoggerFactory.getLogger(StartStreamFn.class);

  private final CdcSpec cdc;
  private transient PooledDataSource pool;

  StartStreamFn(CdcSpec cdc) {
    this.cdc = cdc;
  }

  @Setup
  public void setup() {
    pool = ConnectionPools.acquire(cdc.connection());
  }

  @Teardown
  public void teardown() {
    if (pool != null) {
      pool.close();
    }
  }

  @ProcessElement
  public void process(OutputReceiver<HandoffPart> out) {
    Retrier retrier =
        new Retrier(cdc.connection().retryPolicy(), cdc.dialect(), cdc.label())
            .reportingTo(SourceMetrics.of(cdc.connection(), cdc.label()));
    HandoffStart start =
        retrier.call("fixing the log position", () -> PlanHandoffFn.fixStart(cdc, pool));
    LOG.info("[{}] the stream of {} will start at {}", cdc.label(),
        cdc.settings().describeTables(), start.position());
    out.output(HandoffPart.start(start));
  }
}
