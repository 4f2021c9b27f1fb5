package io.dbrunbooks.activities.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BasebackupLogTest {
  @Test
  void readsTheWalRangeFromVerboseOutput() {
    BasebackupLog l = BasebackupLog.parse("""
        pg_basebackup: initiating base backup, waiting for checkpoint to complete
        pg_basebackup: checkpoint completed
        pg_basebackup: write-ahead log start point: 0/2000028 on timeline 1
        pg_basebackup: write-ahead log end point: 0/2000100
        pg_basebackup: base backup completed
        """);
    assertEquals(new BasebackupLog("0/2000028", "0/2000100", 1), l);
  }
}
