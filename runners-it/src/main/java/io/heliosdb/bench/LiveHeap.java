package io.heliosdb.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The most heap a benchmark JVM held live: after each garbage collection, the heap's used bytes
 * (every pool) as the collector left them, and the peak of those. Unlike the peak resident set,
 * it does not follow how far the JVM let the heap grow before collecting, so two cases of one
 * runner compare by what they retain; their difference is one source's share beside another.
 */
final class LiveHeap {
  private static final AtomicLong PEAK = new AtomicLong(-1);
  private static volatile boolean started;

  private LiveHeap() {}

  /** Starts listening to the JVM's collections; idempotent. */
  static synchronized void start() {
    if (started) {
      return;
    }
    started = true;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (collector instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener((notification, handback) -> {
          if (!notification.getType()
              .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
          }
          GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
              (CompositeData) notification.getUserData());
          long used = 0;
          for (MemoryUsage pool : info.getGcInfo().getMemoryUsageAfterGc().values()) {
            used += pool.getUsed();
          }
          PEAK.accumulateAndGet(used, Math::max);
        }, null, null);
      }
    }
  }

  /** The peak heap after a collection, in MB; null if no collection happened. */
  static Long peakMb() {
    long peak = PEAK.get();
    return peak < 0 ? null : Math.round(peak / (1024.0 * 1024.0));
  }
}
