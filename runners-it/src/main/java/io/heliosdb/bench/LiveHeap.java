package io.heliosdb.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The most heap a benchmark JVM held live: after each garbage collection, the heap's used bytes
 * (its pools only, not metaspace or the code cache) as the collector left them, and the peak of
 * those. Unlike the peak resident set,
 * it does not follow how far the JVM let the heap grow before collecting, so two cases of one
 * runner compare by what they retain; their difference is one source's share beside another.
 */
final class LiveHeap {
  private static final AtomicLong PEAK = new AtomicLong(-1);
  /** The heap's pools (eden, survivor, old): a collection reports every pool, metaspace too. */
  private static final Set<String> HEAP_POOLS =
      ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == MemoryType.HEAP)
          .map(MemoryPoolMXBean::getName)
          .collect(Collectors.toSet());
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
          for (Map.Entry<String, MemoryUsage> pool
              : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (HEAP_POOLS.contains(pool.getKey())) {
              used += pool.getValue().getUsed();
            }
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
