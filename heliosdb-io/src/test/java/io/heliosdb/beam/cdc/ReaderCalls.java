package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.HeliosDbIO;
import io.heliosdb.beam.stream.StreamTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.splittabledofn.SplitResult;
import org.apache.beam.sdk.transforms.splittabledofn.WatermarkEstimators;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.WindowedValues;

/**
 * Calls a {@link ReadChangesDoFn} instance as a runner does: with the restriction the last call
 * left, then a checkpoint at its last claim, the bundle's commit (its finalizers), and the resume
 * delay. The ids ({@code after.id}) of the changes emitted go to a queue.
 */
final class ReaderCalls {
  private final Queue<Long> read;
  private LogPosition restriction;
  private final WatermarkEstimators.Manual watermark =
      new WatermarkEstimators.Manual(BoundedWindow.TIMESTAMP_MIN_VALUE);

  ReaderCalls(Queue<Long> read, LogPosition restriction) {
    this.read = read;
    this.restriction = restriction;
  }

  /** The restriction the next call resumes from. */
  synchronized LogPosition restriction() {
    return restriction;
  }

  synchronized void call(ReadChangesDoFn reader) throws InterruptedException {
    StreamTracker<LogPosition> tracker = new StreamTracker<>(restriction);
    List<DoFn.BundleFinalizer.Callback> committed = new ArrayList<>();
    DoFn.OutputReceiver<Row> rows = row -> WindowedValues.<Row>builder()
        .setValue(row).setTimestamp(BoundedWindow.TIMESTAMP_MIN_VALUE)
        .setWindow(GlobalWindow.INSTANCE).setPaneInfo(PaneInfo.NO_FIRING)
        .setReceiver(value -> read.add(value.getValue().getRow("after").getInt64("id")));
    DoFn.MultiOutputReceiver out = new DoFn.MultiOutputReceiver() {
      @Override
      @SuppressWarnings("unchecked")
      public <T> DoFn.OutputReceiver<T> get(org.apache.beam.sdk.values.TupleTag<T> tag) {
        return (DoFn.OutputReceiver<T>) rows;
      }

      @Override
      public <T> DoFn.OutputReceiver<Row> getRowReceiver(
          org.apache.beam.sdk.values.TupleTag<T> tag) {
        return rows;
      }
    };
    DoFn.ProcessContinuation continuation = reader.process(StreamStart.fromLog(), tracker,
        watermark, out, (expiry, callback) -> committed.add(callback));
    for (DoFn.BundleFinalizer.Callback callback : committed) {
      try {
        callback.onBundleSuccess();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    assertThat(continuation.shouldResume()).as("the stream goes on").isTrue();
    SplitResult<LogPosition> checkpoint = tracker.trySplit(0);
    restriction = checkpoint.getResidual();
    Thread.sleep(continuation.resumeDelay().getMillis());
  }

  /** The reader of the stream in a pipeline with {@code read}, as the runner would deserialize it. */
  static ReadChangesDoFn readerOf(HeliosDbIO.Read read) {
    Pipeline pipeline = Pipeline.create();
    pipeline.apply(read);
    List<ReadChangesDoFn> found = new ArrayList<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof ParDo.MultiOutput<?, ?> parDo
            && parDo.getFn() instanceof ReadChangesDoFn fn) {
          found.add(fn);
        }
      }
    });
    assertThat(found).hasSize(1);
    return found.get(0);
  }
}
