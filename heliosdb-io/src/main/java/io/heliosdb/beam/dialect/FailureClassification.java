package io.heliosdb.beam.dialect;

import java.sql.SQLException;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Throwables;

/** How a database's errors are retried, by their SQLState and vendor code. Part of {@link Dialect}. */
public interface FailureClassification {

  /**
   * Whether an error is worth retrying, by the SQLState (and vendor code) of it and the errors it
   * chains: connection exceptions (class {@code 08}), shutdowns ({@code 57P0x}), too many
   * connections ({@code 53300}) are {@link FailureKind#CONNECTION}; serialization failures and
   * deadlocks ({@code 40001}, {@code 40P01}) and cancelled statements ({@code 57014}) are {@link
   * FailureKind#TRANSIENT}; everything else is {@link FailureKind#PERMANENT}, and so is any error
   * that an authentication ({@code 28}) or missing-database ({@code 3D}) error caused, such as a
   * pool timing out because of it.
   */
  default FailureKind classify(SQLException error) {
    for (Throwable e : Throwables.getCausalChain(error)) {
      // a pool timing out because the credentials or database are wrong: permanent
      if (e instanceof SQLException sql && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("28") || sql.getSQLState().startsWith("3D"))) {
        return FailureKind.PERMANENT;
      }
    }
    FailureKind kind = FailureKind.PERMANENT;
    for (Throwable e : Throwables.getCausalChain(error)) {
      if (e instanceof java.sql.SQLTransientConnectionException
          || e instanceof java.sql.SQLRecoverableException) {
        return FailureKind.CONNECTION;
      }
      if (e instanceof SQLException sql) {
        FailureKind byState = classifyState(sql.getSQLState(), sql.getErrorCode());
        if (byState == FailureKind.CONNECTION) {
          return byState;
        }
        if (byState == FailureKind.TRANSIENT) {
          kind = byState;
        }
      }
    }
    return kind;
  }

  /** {@link #classify} of one error's SQLState (may be null) and vendor code. */
  default FailureKind classifyState(String sqlState, int vendorCode) {
    if (sqlState == null) {
      return FailureKind.PERMANENT;
    }
    if (sqlState.startsWith("08") || sqlState.startsWith("57P") || sqlState.equals("53300")) {
      return FailureKind.CONNECTION;
    }
    if (sqlState.equals("40001") || sqlState.equals("40P01") || sqlState.equals("57014")) {
      return FailureKind.TRANSIENT;
    }
    return FailureKind.PERMANENT;
  }
}
