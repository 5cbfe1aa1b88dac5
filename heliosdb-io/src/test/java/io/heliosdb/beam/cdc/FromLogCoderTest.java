package io.heliosdb.beam.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

class FromLogCoderTest {
  @Test
  void theStreamFromTheLogEncodesAsNothingAndComesBackEqual() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(FromLogCoder.of(), StreamStart.fromLog());
    CoderProperties.coderDeterministic(FromLogCoder.of(), StreamStart.fromLog(),
        StreamStart.fromLog());
    assertThat(CoderUtils.encodeToByteArray(FromLogCoder.of(), StreamStart.fromLog())).isEmpty();
  }
}
