package io.heliosdb.beam.cdc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running connector tasks of this JVM, one per source (slot or server id), kept across
 * {@code process} calls so that resuming a restriction where the task stands does not reconnect.
 */
final class ChangeTasks {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeTasks.class);
  private static final Map<String, ChangeTask> RUNNING = new ConcurrentHashMap<>();

  private ChangeTasks() {}

  /** The source's task if it stands at {@code from}, else a new one started there. */
  static synchronized ChangeTask at(CdcSpec spec, LogPosition from) {
    String source = spec.settings().sourceName();
    ChangeTask task = RUNNING.get(source);
    if (task != null && task.next().offset().equals(from.offset())) {
      return task;
    }
    if (task != null) {
      LOG.info("[{}] restarting the log reader at {} (it stood at {})", spec.label(),
          from.describe(), task.next().describe());
      RUNNING.remove(source).close();
    } else {
      LOG.info("[{}] starting the log reader at {}", spec.label(), from.describe());
    }
    task = ChangeTask.start(spec.dialect().changeTaskClass(), spec.taskProperties(), from);
    RUNNING.put(source, task);
    return task;
  }

  /** Stops the source's task, if running. */
  static synchronized void stop(CdcSpec spec) {
    ChangeTask task = RUNNING.remove(spec.settings().sourceName());
    if (task != null) {
      task.close();
    }
  }
}
