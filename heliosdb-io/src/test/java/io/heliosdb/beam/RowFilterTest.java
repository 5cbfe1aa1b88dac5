package io.heliosdb.beam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RowFilterTest {

  @Test
  void keepsTheConditionAndItsParametersInOrder() {
    RowFilter filter = RowFilter.of("  region = ? AND amount > ?  ", "eu", 100);
    assertThat(filter.getCondition()).isEqualTo("region = ? AND amount > ?");
    assertThat(filter.getParameters()).containsExactly("eu", 100);
    assertThat(SerializableUtils.clone(filter)).isEqualTo(filter);
  }

  @Test
  void showsTheConditionButNotTheValues() {
    assertThat(RowFilter.of("token = ?", "s3cret").toString())
        .isEqualTo("token = ? (1 parameter(s))")
        .doesNotContain("s3cret");
    HeliosDbIO.Read read =
        HeliosDbIO.read().withColumns("id", "token").withRowFilter("token = ?", "s3cret");
    assertThat(read.toString()).doesNotContain("s3cret");
    DisplayData display = DisplayData.from(read);
    assertThat(display.items())
        .anySatisfy(item -> {
          assertThat(item.getKey()).isEqualTo("rowFilter");
          assertThat(item.getValue()).isEqualTo("token = ?");
        })
        .anySatisfy(item -> {
          assertThat(item.getKey()).isEqualTo("columns");
          assertThat(item.getValue()).isEqualTo("id, token");
        })
        .noneSatisfy(item -> assertThat(String.valueOf(item.getValue())).contains("s3cret"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "a = ?|1",
      "a = '?' AND b = ?|1",
      "\"we?ird\" = ? AND `x?` = ?|2",
      "a = 'it''s ?' OR (b IN (?, ?) AND c = ?)|3",
      "a = 'x\\' ? '|0",
      "a IS NULL|0"})
  void countsPlaceholdersOutsideQuotes(String condition, int placeholders) {
    assertThat(RowFilter.ConditionScanner.placeholders(condition, "f")).isEqualTo(placeholders);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "a = 1) OR (1 = 1|closes a parenthesis the condition did not open",
      "(a = 1|1 parenthesis(es) of the condition are not closed",
      "a = 1; DROP TABLE t|without ';', comments or '#'",
      "a = 1 -- comment|found '--' at position 6",
      "a = 1 /* x */|found '/*'",
      "a = 1 # x|found '#'",
      "a = 'open|the quote ' at position 4 is not closed"})
  void refusesConditionsThatCouldReachOutsideTheirParentheses(String condition, String message) {
    assertThatThrownBy(() -> RowFilter.of(condition))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("withRowFilter(\"" + condition + "\")")
        .hasMessageContaining(message);
  }

  @Test
  void refusesParametersThatDoNotFitThePlaceholders() {
    assertThatThrownBy(() -> RowFilter.of("a = ? AND b = ?", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 2 ? placeholder(s) but 1 parameter(s) were given");
    assertThatThrownBy(() -> RowFilter.of("a = ?", (Object) null))
        .hasMessageContaining("parameter 1 is null")
        .hasMessageContaining("IS NULL");
    assertThatThrownBy(() -> RowFilter.of("a = ?", new Object()))
        .hasMessageContaining("not Serializable");
    assertThatThrownBy(() -> RowFilter.of(" "))
        .hasMessageContaining("the condition is empty");
  }

  @Test
  void refusesEmptyAndRepeatedColumns() {
    assertThatThrownBy(() -> HeliosDbIO.read().withColumns())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("withColumns(): name at least one column");
    assertThatThrownBy(() -> HeliosDbIO.read().withColumns("a", "b", "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("withColumns([a, b, a]): column a is named twice");
    assertThat(HeliosDbIO.read().withColumns("b", "a").getColumns()).isEqualTo(List.of("b", "a"));
  }
}
