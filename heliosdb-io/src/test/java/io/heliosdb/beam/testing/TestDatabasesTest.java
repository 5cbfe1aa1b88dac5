package io.heliosdb.beam.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TestDatabasesTest {

  @Test
  void parameterizedTestsRunOnPostgresAndMysqlUnlessKindsAreNamed() {
    assertThat(TestDatabases.parameterKinds(null))
        .containsExactly(DatabaseKind.POSTGRES, DatabaseKind.MYSQL);
    assertThat(TestDatabases.parameterKinds(" ")).hasSize(2);
    assertThat(TestDatabases.parameterKinds("postgres")).containsExactly(DatabaseKind.POSTGRES);
    assertThat(TestDatabases.parameterKinds("MYSQL, postgres"))
        .containsExactly(DatabaseKind.MYSQL, DatabaseKind.POSTGRES);
  }

  @Test
  void anUnknownKindIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> TestDatabases.parameterKinds("POSTGRES,db2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HELIOSDB_TEST_KINDS")
        .hasMessageContaining("'db2'");
  }
}
