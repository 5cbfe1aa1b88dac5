package io.heliosdb.beam.incremental;

import static org.assertj.core.api.Assertions.assertThat;

import io.heliosdb.beam.incremental.PollCursor.MaxSample;
import io.heliosdb.beam.schema.Mappings;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;

class PollCursorCoderTest {

  @Test
  void roundTripsCursorsDeterministically() throws Exception {
    Schema schema =
        Schema.builder()
            .addField("updated_at", Mappings.DATETIME)
            .addStringField("region")
            .addInt64Field("id")
            .build();
    PollCursorCoder coder = new PollCursorCoder(schema);
    coder.verifyDeterministic();
    Row position =
        Row.withSchema(schema)
            .addValues(LocalDateTime.parse("2026-11-24T10:00:00.123456"), "eu", 7L)
            .build();
    for (PollCursor cursor :
        List.of(
            PollCursor.start(),
            PollCursor.start().after(position),
            PollCursor.start().after(position).asFinished())) {
      CoderProperties.coderDecodeEncodeEqual(coder, cursor);
    }
    Schema ids = Schema.builder().addInt64Field("id").build();
    PollCursor withSamples =
        PollCursor.start()
            .withSamples(List.of(new MaxSample(1_000_000L, 5L), new MaxSample(2_000_000L, 9L)));
    CoderProperties.coderDecodeEncodeEqual(new PollCursorCoder(ids), withSamples);
  }
}
