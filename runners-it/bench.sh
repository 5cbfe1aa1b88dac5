#!/usr/bin/env bash
# HeliosDB IO benchmarks. Usage: runners-it/bench.sh <benchmark>
#
#   snapshot   reads a 1,000,000-row table (bench_snapshot) whole from the local PostgreSQL and
#              MariaDB, on the Direct, Flink and Spark runners, with HeliosDbIO (parallelism 2 and 4),
#              JdbcIO.readWithPartitions (same partition counts, on id), JdbcIO.read, and a plain
#              single-threaded JDBC loop as the reference; plus HeliosDbIO on PostgreSQL/Direct/p4
#              with -Xmx256m; plus the ceiling per runner and parallelism (case ids like
#              none/flink/ceiling/p4): HeliosDbIO's graph emitting the same Rows from memory, no
#              database (io.heliosdb.bench.CeilingSource); plus heliosdbio-ms and ceiling-ms, the
#              same two with the date-time columns as millisecond DATETIME fields
#              (withMillisecondTimestamps(true)); the summary adds heliosdbio_ms_vs_heliosdbio,
#              heliosdbio_ms_vs_ceiling_ms and heliosdbio_ms_vs_jdbcio_partitions. Each case runs
#              in a fresh JVM.
#   coders     what Beam's RowCoder spends to encode and to decode one row of the snapshot table
#              (as runners do between operators and in shuffles), with its date-times as the
#              default logical types and as millisecond DATETIME fields: JMH
#              (io.heliosdb.bench.RowCoderCost), one fork, 5 warm-up and 5 measured iterations
#              of 2 s per benchmark, average ns per row, plus the encoded bytes per row, e.g.
#              (run of 2026-12-03)
#                {"bench":"coders","exact_decode_ns_per_row":430.3,"millis_decode_ns_per_row":278.1,
#                 "exact_encode_ns_per_row":1571.4,"millis_encode_ns_per_row":527.2,
#                 "exact_bytes_per_row":97.688,"exact_round_trip_ns_per_row":2001.7,
#                 "millis_bytes_per_row":93.853,"millis_round_trip_ns_per_row":805.2,
#                 "exact_vs_millis_round_trip":2.49,...}
#   incremental
#              commit-to-downstream lag and idle database load of HeliosDbIO's incremental mode
#              (poll interval 1 s, commit delay 2 s) on the local PostgreSQL and MariaDB, Direct
#              and Flink runners (cases postgres/direct ... mariadb/flink, each in a fresh JVM,
#              ~2 min each): a writer thread inserts 100 single-row autocommit transactions/s into
#              a fresh table bench_incremental for 60 s, a DoFn downstream records each row's
#              arrival in the same JVM; lag = arrival - commit, p50/p99/max over the rows after a
#              10 s warm-up; every row checked to arrive exactly once (lost, duplicates); then the
#              database's counter over 30 s of idle pipeline, less the benchmark's own reads:
#              PostgreSQL pg_stat_database xact_commit + xact_rollback of the database
#              (transactions, every client and autovacuum), MariaDB Questions (statements, every
#              client of the server). One line per case, e.g.
#                {"bench":"incremental","db":"postgres","runner":"direct","poll_interval_s":1,
#                 "commit_delay_s":2,"rows_per_s":100,"lag_p50_ms":2511,"lag_p99_ms":3010,
#                 "lag_max_ms":3090,"rows":5000,"lost":0,"duplicates":0,"idle_queries_per_s":2.9,
#                 ...}
#              then {"bench":"incremental","summary":true,...} with pass/fail per case: p99 lag <=
#              poll interval + commit delay + 500 ms, and exactly once. Every field is described
#              in runners-it/src/main/java/io/heliosdb/bench/IncrementalBench.java.
#   cdc        commit-to-downstream latency and bulk throughput of HeliosDbIO's CDC mode
#              (withCdc: PostgreSQL logical replication, slot and publication bench_cdc; MariaDB
#              binlog from SHOW MASTER STATUS) on the local PostgreSQL and MariaDB, Direct and Flink
#              runners, each case in a fresh JVM on a fresh table bench_cdc, the stream live (a
#              marker row arrived) before the load starts:
#              latency cases <db>/<runner>/<tx_per_s> for 20, 200 and 2000 single-row autocommit
#              inserts/s (~35 s each; writer threads in the same JVM, several connections at 2000;
#              latency = arrival in a downstream DoFn - commit returned, p50/p95/p99/max after a
#              5 s warm-up; lost must be 0, duplicates reported; before the load, the JVM's
#              CPU over 15 s with the stream live and the table idle, idle_cpu_percent of one
#              core), e.g.
#                {"bench":"cdc","db":"postgres","runner":"flink","mode":"latency","tx_per_s":200,
#                 "achieved_tx_per_s":200.0,"latency_p50_ms":9,"latency_p95_ms":21,
#                 "latency_p99_ms":38,"latency_max_ms":106,"changes":6000,"lost":0,
#                 "duplicates":0,...}
#              bulk cases <db>/<runner>/bulk: 1,000,000 rows prefilled before the stream starts,
#              then UPDATE bench_cdc SET v = v + 1 in statements of 100,000 rows; changes_per_sec =
#              the 1M update changes over first to last arrival, e.g.
#                {"bench":"cdc","db":"postgres","runner":"flink","mode":"bulk","changes":1000000,
#                 "changes_per_sec":52184,"seconds":19.16,"lost":0,...}
#              bare-Debezium bulk cases <db>/debezium/bulk, the measure of the bulk cases: the same
#              prefill and UPDATE statements (same code) with Debezium's own embedded engine
#              (DebeziumEngine of debezium-embedded, Connect format: SourceRecords, no
#              serialization; MemoryOffsetBackingStore; Debezium's defaults, max.batch.size 2048,
#              poll.interval.ms 500) in place of the pipeline, nothing of Beam or HeliosDbIO in
#              between. PostgreSQL: pgoutput, its own slot and publication bench_cdc_dbz (the
#              connector creates the publication for the table); MariaDB: a random server id,
#              MemorySchemaHistory; both snapshot.mode=no_data, so the stream starts at the log's
#              end and skips the prefill. Its consumer takes the arrival time per record and counts
#              each id as the pipeline's last step does (changes, lost, duplicates, first to last
#              arrival); live = a marker row arrived, from the engine's start. Same line format with
#              "runner":"debezium", plus debezium_version and engine_properties, e.g.
#                {"bench":"cdc","db":"postgres","runner":"debezium","mode":"bulk",
#                 "changes":1000000,"changes_per_sec":32762,"seconds":30.52,"lost":0,...}
#              then {"bench":"cdc","summary":true,...}: spec p99 < 100 ms on both runners; ours
#              p99 < 25 ms at 200 tx/s on Flink, bulk >= 50,000 changes/s on Flink, and per db
#              bulk_vs_debezium: debezium_changes_per_sec and heliosdbio_vs_debezium per runner
#              (that runner's bulk changes/s / bare Debezium's; pass at >= 0.9 with nothing lost
#              in either case). The replication slots are dropped after each case and at the end.
#              Every field is described in runners-it/src/main/java/io/heliosdb/bench/CdcBench.java
#              and DebeziumBulkBench.java.
#   handoff    snapshot-then-CDC (withSnapshot(byPrimaryKey) + withCdc, slot bench_handoff)
#              against the plain snapshot mode, on the local PostgreSQL and MariaDB, Direct and
#              Flink runners, each case in a fresh JVM on a fresh copy bench_handoff of the
#              snapshot benchmark's table (BENCH_ROWS rows), under a steady write load from one
#              writer thread in the same JVM (200 single-row autocommit transactions/s, half
#              inserts of new ids, half updates of random ids, running from 2 s before run()).
#              Per db/runner and round the modes run one after the other (snapshot,
#              snapshot-streaming, handoff; reversed in even rounds), so they alternate through
#              the run. Case ids <db>/<runner>/<mode>/r<round>.
#              snapshot cases: bounded pipeline (Direct --targetParallelism=4, Flink batch
#              --parallelism=4), withParallelism(4); snapshot-streaming: the same read with the
#              handoff case's streaming options; seconds = run() to the last row's arrival, e.g.
#                {"bench":"handoff","db":"postgres","runner":"flink","mode":"snapshot","round":1,
#                 "parallelism":4,"rows":1000000,"seconds":9.8,"rows_per_sec":102000,...}
#              handoff cases: the same read .withCdc(...), streaming (Flink
#              --checkpointingInterval=1000); seconds = run() to the last "r" event's arrival;
#              catch_up_ms = snapshot's end to the arrival of the last change whose lag (arrival -
#              commit) was >= 1 s; the load goes on until the lag stayed below 1 s for 30 s;
#              lag p50/p99 over the changes of those 30 s; then the load stops, every change is
#              awaited, and lost / duplicates (changes the snapshot already saw count as
#              duplicates) / final_state_mismatches (the table against the output replayed by
#              position; arrival_order_mismatches: replayed in arrival order) are checked, e.g.
#                {"bench":"handoff","db":"postgres","runner":"flink","mode":"handoff","round":1,
#                 "seconds":12.1,"rows_per_sec":83000,"catch_up_ms":850,"lag_p50_ms":9,
#                 "lag_p99_ms":25,"backlog_changes":2400,"lost":0,"duplicates":0,
#                 "final_state_mismatches":0,...}
#              then {"bench":"handoff","summary":true,...} with, per db/runner, each mode's rows/s
#              (mean over rounds), ratio = handoff / snapshot (ratio_streaming = handoff /
#              snapshot-streaming), catch-up and lags, exactly-once. The cases log HeliosDbIO's
#              handoff steps at INFO (when the stream starts, from where).
#              The replication slot is dropped after each case and at the end. Every field is
#              described in runners-it/src/main/java/io/heliosdb/bench/HandoffBench.java.
#   tables     snapshot then CDC of 50 tables (tb_bench_01..50, (id BIGINT PRIMARY KEY, v VARCHAR):
#              1x500,000 + 4x50,000 + 10x20,000 + 35x~2,857 = 1,000,000 rows, created once per
#              database by BenchTables prepare and put back at the start of every case) through ONE
#              source, HeliosDbIO.readTables().withTables(...).withSnapshot(byPrimaryKey())
#              .withCdc(...withSlotName("tb_bench_tables")) (one replication slot / one binlog
#              connection), against one single-table source per table in one pipeline
#              (HeliosDbIO.read().withTable(t)...withCdc(...withSlotName("tb_bench_sNN"))): on
#              PostgreSQL as many tables as its free slots allow (max_replication_slots is 20 here:
#              BENCH_TABLES_PG_PER_TABLE=15 tables as 15 sources, against the same 15 tables as one
#              source), on MariaDB all 50 tables as 50 sources. Direct and Flink runners (streaming,
#              parallelism 4, Flink checkpointing 1 s), each case in a fresh JVM, under a steady
#              write load from one writer thread in the same JVM (200 single-row autocommit
#              transactions/s on random tables, half inserts of new ids, half updates), from 2 s
#              before run() until 20 s after the snapshot's end. Case ids
#              <db>/<runner>/<one|per-table>/<tables>, e.g. postgres/flink/one/50. Per case:
#              slots_held (PostgreSQL, pg_replication_slots tb_bench_*) or binlog_connections
#              (MariaDB, PROCESSLIST 'Binlog Dump%' rows of this JVM's connections),
#              snapshot_rows_per_sec (first to last "r" event), lag p50/p99 of the changes
#              committed after the snapshot (arrival in a downstream DoFn - commit returned),
#              lost and duplicates, tables_equal
#              (each table's output replayed by position equals the table), PostgreSQL
#              walsender_cpu_seconds (utime+stime of the WAL senders serving the slots over the 20 s
#              after the snapshot), peak_heap_mb, peak_rss_mb, load averages, e.g.
#                {"bench":"tables","db":"postgres","runner":"flink","shape":"one","tables":15,
#                 "sources":1,"rows":900000,"slots_held":1,"snapshot_rows_per_sec":118477,
#                 "lag_p50_ms":72,"lag_p99_ms":3605,"lost":0,"duplicates":0,"tables_equal":15,
#                 "walsender_cpu_seconds":0.27,...}
#              then {"bench":"tables","summary":true,...} with, per db/runner, one source against
#              per-table sources over the same tables: rows/s ratio, log readers, WAL sender CPU
#              ratio, lags; and exactly-once over all cases. The slots and publications tb_bench_*
#              are dropped after each case and at the end. Every field is described in
#              runners-it/src/main/java/io/heliosdb/bench/TablesBench.java.
#   faults     the fault-injection suite (runners-it/src/test/java/io/heliosdb/faults/*FaultIT,
#              Maven profile "faults"): reading sessions killed, database servers restarted,
#              pipeline JVMs killed with kill -9 and restored, pool and max_connections exhausted,
#              a slow consumer, each against a table under write load. WARNING: it restarts the
#              local PostgreSQL and MariaDB servers. One JSON object per scenario, e.g.
#                {"bench":"faults","scenario":"server-restart","db":"postgres","runner":"direct",
#                 "mode":"cdc","rows_expected":12000,"rows_lost":0,"duplicates":0,
#                 "recovery_ms":5200,"details":{...}}
#              then {"bench":"faults","summary":true,...,"pass":true} when no row was lost.
#              FAULT_TESTS=<surefire -Dtest pattern> runs a subset.
#   cluster    HeliosDbIO on a real Flink 1.19 session cluster of three JVMs (one JobManager, two
#              TaskManagers of 2 slots; scripts/flink-cluster.sh), ~10 min: builds the examples'
#              job jar (-Pflink-job), starts the cluster, runs FlinkClusterIT (Maven profile
#              flink-cluster), stops the cluster. Cases: a 200,000-row snapshot at parallelism 4
#              upserted into a PostgreSQL replica table (its readers on both TaskManagers); CDC of
#              PostgreSQL and of MariaDB at parallelism 2 under 100 writes/s, checkpoints every
#              second, one TaskManager killed with kill -9 mid-stream: the job restarts from its
#              last checkpoint on the other TaskManager; snapshot then CDC of a 100,000-row
#              PostgreSQL table under the writes; PostgreSQL CDC under the writes cancelled with a
#              savepoint (Flink's REST API) and submitted again from it. Each case's replica must
#              equal the table. FLINK_REST_PORT and FLINK_RPC_PORT move the cluster's ports. One
#              JSON object per case in the fault suite's format, e.g.
#                {"bench":"faults","scenario":"taskmanager-kill","db":"postgres",
#                 "runner":"flink-cluster","mode":"cdc","rows_expected":21335,"rows_lost":0,
#                 "duplicates":0,"recovery_ms":15579,"details":{...}}
#              (recovery_ms: the kill to the arrival in the replica of a row inserted right
#              after it), then {"bench":"cluster","summary":true,...,"pass":true}.
#
# Output (snapshot): one JSON object per line on stdout, one per case, e.g.
#   {"bench":"snapshot","db":"postgres","runner":"flink","impl":"heliosdbio","parallelism":4,
#    "rows":1000000,"seconds":2.9,"rows_per_sec":345000,"build_seconds":0.4,"peak_rss_mb":610,
#    "jvm_seconds":6.1}
# ("error":"..." instead of seconds/rows_per_sec for a failed or timed-out case), then a
# {"bench":"snapshot","summary":true,...} line with HeliosDbIO ÷ JdbcIO.readWithPartitions and
# HeliosDbIO ÷ ceiling ratios.
# Everything else (build, table preparation, per-case logs) goes to stderr and to $BENCH_OUT.
#
# Fields: seconds = pipeline run time inside the JVM, run() to waitUntilFinish() (loop: connect to
# last row); build_seconds = pipeline construction; jvm_seconds = JVM uptime at the end;
# second_half_rows_per_sec (only with BENCH_JAVA_OPTS=-Dbench.halfwayClock=true, which counts the
# rows with io.heliosdb.bench.HalfwayClock in place of Count.globally(): the read's one consumer
# still; a run of 2026-12-03 at 10M rows on Flink had a step beside the count instead) = the rows
# of the second half of the read over the time between the arrival of the middle row and of the
# last one: the steady state, without start-up and JIT.
# peak_rss_mb = the JVM's VmHWM (peak resident set); peak_heap_after_gc_mb = the most heap in use
# right after a garbage collection (io.heliosdb.bench.LiveHeap): what the case retained, whatever
# the heap was allowed to grow to; a read's own share = its value minus the ceiling's (same
# runner and parallelism).
# Runner options, identical for every implementation: Direct --runner=DirectRunner
# --targetParallelism=N (enforceImmutability/enforceEncodability left at their defaults, on);
# Flink --runner=FlinkRunner --parallelism=N (local embedded cluster, batch); Spark
# --runner=SparkRunner --sparkMaster=local[N] --enableSparkMetricSinks=false
# --experiments=use_bounded_concurrent_output_for_sdf (HeliosDbIO turns this on for itself; before
# 2026-12-03 the cases ran without it, so the runner held each split's rows in memory; classic runner, batch;
# its JVMs get the --add-opens options of SPARK_JAVA_OPTS below and a classpath with runners-it's
# test-scope Spark runner).
#
# Environment:
#   BENCH_ROWS=1000000        table size; other sizes use table bench_snapshot_<rows>
#   BENCH_TIMEOUT=600         seconds per case before it is reported as an error
#   BENCH_DBS="postgres mariadb"   BENCH_PARALLELISMS="2 4"
#   BENCH_RUNNERS="direct flink spark" (snapshot; the other benchmarks: "direct flink", since the
#                             Spark runner cannot run the streaming modes)
#   BENCH_IMPLS="heliosdbio heliosdbio-ms jdbcio-partitions jdbcio-read jdbc-loop ceiling ceiling-ms"
#   BENCH_READ_PARALLELISM=4  runner parallelism of the JdbcIO.read cases
#   BENCH_HEAP=256m           heap of the extra small-heap case ("" to skip it)
#   BENCH_CASES=REGEX         only cases whose id matches, ids like postgres/direct/heliosdbio/p4
#                             (the small-heap cases: postgres/direct/heliosdbio/p4/xmx256m and
#                             postgres/direct/jdbcio-partitions/p4/xmx256m)
#   BENCH_SKIP_CASES=REGEX    leave out cases whose id matches, e.g. 'direct/jdbcio-read' (on the
#                             Direct runner JdbcIO.read's output reshuffle costs ~5 ms per row:
#                             a million rows run into the time limit)
#   BENCH_JDBCIO_READ_RESHUFFLE=true   false: JdbcIO.read withOutputParallelization(false)
#   BENCH_CHUNK_SIZE=50000    HeliosDbIO chunk size
#   BENCH_FETCH_SIZE=         fetch size for all implementations (default: each one's own;
#                             HeliosDbIO 10,000, JdbcIO 50,000, the loop 10,000)
#   BENCH_JAVA_OPTS=          extra JVM options for every case
#   BENCH_PIPELINE_ARGS=      extra pipeline options for every pipeline case of snapshot (not
#                             jdbc-loop), e.g. --experiments=use_bounded_concurrent_output_for_sdf
#                             (the line then has "pipeline_args")
#   BENCH_PROFILE=            cpu, alloc, wall or lock: every case runs under async-profiler 4.0
#                             (tools.profiler:async-profiler from Maven Central, its native agent)
#                             with that event, and writes an interactive flame graph
#                             logs/<case>.profile.html of every thread, Java and native frames
#                             (the JIT compilers' and the collector's too); BENCH_PROFILE_FORMAT=collapsed
#                             writes the samples as collapsed
#                             stacks (logs/<case>.profile.collapsed, one line per stack and count)
#                             instead; BENCH_PROFILE_OPTS= more agent options, e.g. interval=1ms
#   BENCH_OUT=/tmp/heliosdb-bench/<bench>-<time>   logs, results.jsonl, snapshot of the classes
#   BENCH_SKIP_BUILD=1        reuse the last build (runners-it/target/classes and ~/.m2)
#   BENCH_MVN_OFFLINE=        Maven's offline flag: -o to build without downloading (default:
#                             Maven downloads what the local repository lacks)
#   BENCH_INSTALL=1           0: build heliosdb-io and runners-it in one reactor (package) and run
#                             with heliosdb-io/target's jar, leaving ~/.m2 alone (not for faults)
#   incremental only (the ones above that apply: BENCH_DBS, BENCH_RUNNERS, BENCH_CASES,
#   BENCH_SKIP_CASES, BENCH_TIMEOUT, BENCH_JAVA_OPTS, BENCH_OUT, BENCH_SKIP_BUILD,
#   BENCH_MVN_OFFLINE; case ids like postgres/direct):
#   BENCH_INCR_POLL_S=1  BENCH_INCR_DELAY_S=2  BENCH_INCR_RATE=100 (rows/s)
#   BENCH_INCR_LOAD_S=60  BENCH_INCR_WARMUP_S=10  BENCH_INCR_IDLE_S=30
#   BENCH_INCR_BASELINE_S=10  counter read before the pipeline starts, for other clients' load
#                             (reported as background_queries_per_s; 0 to skip)
#   BENCH_INCR_DRAIN_S=30     longest wait for the last rows after the load
#   cdc only (the ones above that apply: BENCH_DBS, BENCH_RUNNERS, BENCH_CASES, BENCH_SKIP_CASES,
#   BENCH_JAVA_OPTS, BENCH_OUT, BENCH_SKIP_BUILD, BENCH_MVN_OFFLINE; case ids like
#   postgres/flink/200, mariadb/direct/bulk and mariadb/debezium/bulk; BENCH_TIMEOUT defaults
#   to 240 here):
#   BENCH_CDC_RATES="20 200 2000"  tx/s of the latency cases
#   BENCH_CDC_LOAD_S=35  BENCH_CDC_WARMUP_S=5  BENCH_CDC_DRAIN_S=30
#   BENCH_CDC_WRITERS=0       writer connections (0: 1 up to 200 tx/s, else ceil(rate / 250))
#   BENCH_CDC_BULK=1          0 to leave out the bulk cases
#   BENCH_CDC_BULK_ROWS=1000000  BENCH_CDC_BULK_BATCH=100000 (rows per UPDATE statement)
#   BENCH_CDC_BULK_ROWS_DIRECT=  rows of the Direct runner's bulk case, if fewer (reported as
#                             capped_from; default: the same; the Direct runner did ~20K/s here)
#   BENCH_CDC_BULK_STALL_S=60 give up the bulk case after this long without a new change
#   BENCH_CDC_DEBEZIUM=1      0 to leave out the bare-Debezium bulk cases (<db>/debezium/bulk;
#                             BENCH_RUNNERS does not select them, BENCH_CASES does)
#   handoff only (the ones above that apply: BENCH_ROWS, BENCH_CHUNK_SIZE, BENCH_FETCH_SIZE,
#   BENCH_DBS, BENCH_RUNNERS, BENCH_CASES, BENCH_SKIP_CASES, BENCH_JAVA_OPTS, BENCH_OUT,
#   BENCH_SKIP_BUILD, BENCH_MVN_OFFLINE; BENCH_TIMEOUT defaults to 900 here):
#   BENCH_HANDOFF_ROUNDS=2    rounds of the modes per db/runner (odd rounds in the order of
#                             BENCH_HANDOFF_MODES, even rounds reversed)
#   BENCH_HANDOFF_MODES="snapshot snapshot-streaming handoff"   snapshot-streaming is the plain
#                             snapshot with the handoff case's streaming options (it tells
#                             streaming mode's cost from that of consistent reads)
#   BENCH_HANDOFF_PARALLELISM=4   withParallelism and the runner's parallelism
#   BENCH_HANDOFF_RATE=200    write load, transactions/s (0: none)
#   BENCH_HANDOFF_INSERT_PCT=50   share of inserts in the load (the rest updates)
#   BENCH_HANDOFF_SNAPSHOT_LOAD=1 0: the snapshot cases run without the load
#   BENCH_HANDOFF_PRELOAD_S=2  BENCH_HANDOFF_POST_S=30  BENCH_HANDOFF_LAG_MS=1000 (threshold)
#   BENCH_HANDOFF_CATCHUP_S=300   give up catching up this long after the snapshot's end
#   BENCH_HANDOFF_DRAIN_S=60  longest wait for the last changes after the load
#   tables only (the ones above that apply: BENCH_CHUNK_SIZE, BENCH_DBS, BENCH_RUNNERS,
#   BENCH_CASES, BENCH_SKIP_CASES, BENCH_JAVA_OPTS, BENCH_OUT, BENCH_SKIP_BUILD, BENCH_MVN_OFFLINE,
#   BENCH_INSTALL; BENCH_TIMEOUT defaults to 900 here):
#   BENCH_TABLES_PG_PER_TABLE=15       tables of the PostgreSQL comparison (one slot per source)
#   BENCH_TABLES_MARIADB_PER_TABLE=50  tables of the MariaDB comparison
#   BENCH_TABLES_PARALLELISM=4  BENCH_TABLES_RATE=200 (tx/s)  BENCH_TABLES_INSERT_PCT=50
#   BENCH_TABLES_PRELOAD_S=2  BENCH_TABLES_POST_S=20  BENCH_TABLES_DRAIN_S=60
#   BENCH_TABLES_FLINK_NETWORK=512mb   Flink's network memory (taskmanager.memory.network.min and
#                             .max, in a flink-conf.yaml passed with --flinkConfDir): with its
#                             default 64 MB the embedded cluster cannot deploy 50 tables' steps
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

BENCH=${1:-}
BENCH_TIMEOUT_GIVEN=${BENCH_TIMEOUT:-}
BENCH_RUNNERS_GIVEN=${BENCH_RUNNERS:-}
BENCH_ROWS=${BENCH_ROWS:-1000000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
BENCH_DBS=${BENCH_DBS:-postgres mariadb}
BENCH_RUNNERS=${BENCH_RUNNERS:-direct flink}
BENCH_PARALLELISMS=${BENCH_PARALLELISMS:-2 4}
BENCH_IMPLS=${BENCH_IMPLS:-heliosdbio heliosdbio-ms jdbcio-partitions jdbcio-read jdbc-loop ceiling ceiling-ms}
BENCH_READ_PARALLELISM=${BENCH_READ_PARALLELISM:-4}
BENCH_HEAP=${BENCH_HEAP-256m}
BENCH_CASES=${BENCH_CASES:-}
BENCH_SKIP_CASES=${BENCH_SKIP_CASES:-}
BENCH_JDBCIO_READ_RESHUFFLE=${BENCH_JDBCIO_READ_RESHUFFLE:-true}
BENCH_CHUNK_SIZE=${BENCH_CHUNK_SIZE:-50000}
BENCH_FETCH_SIZE=${BENCH_FETCH_SIZE:-0}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:-}
BENCH_PIPELINE_ARGS=${BENCH_PIPELINE_ARGS:-}
BENCH_PROFILE=${BENCH_PROFILE:-}
BENCH_PROFILE_OPTS=${BENCH_PROFILE_OPTS:-}
BENCH_PROFILE_FORMAT=${BENCH_PROFILE_FORMAT:-html}
ASYNC_PROFILER_VERSION=4.0
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
BENCH_MVN_OFFLINE=${BENCH_MVN_OFFLINE:-}
BENCH_INCR_POLL_S=${BENCH_INCR_POLL_S:-1}
BENCH_INCR_DELAY_S=${BENCH_INCR_DELAY_S:-2}
BENCH_INCR_RATE=${BENCH_INCR_RATE:-100}
BENCH_INCR_LOAD_S=${BENCH_INCR_LOAD_S:-60}
BENCH_INCR_WARMUP_S=${BENCH_INCR_WARMUP_S:-10}
BENCH_INCR_IDLE_S=${BENCH_INCR_IDLE_S:-30}
BENCH_INCR_BASELINE_S=${BENCH_INCR_BASELINE_S:-10}
BENCH_INCR_DRAIN_S=${BENCH_INCR_DRAIN_S:-30}
BENCH_CDC_RATES=${BENCH_CDC_RATES:-20 200 2000}
BENCH_CDC_LOAD_S=${BENCH_CDC_LOAD_S:-35}
BENCH_CDC_WARMUP_S=${BENCH_CDC_WARMUP_S:-5}
BENCH_CDC_DRAIN_S=${BENCH_CDC_DRAIN_S:-30}
BENCH_CDC_WRITERS=${BENCH_CDC_WRITERS:-0}
BENCH_CDC_BULK=${BENCH_CDC_BULK:-1}
BENCH_CDC_BULK_ROWS=${BENCH_CDC_BULK_ROWS:-1000000}
BENCH_CDC_BULK_BATCH=${BENCH_CDC_BULK_BATCH:-100000}
BENCH_CDC_BULK_ROWS_DIRECT=${BENCH_CDC_BULK_ROWS_DIRECT:-}
BENCH_CDC_BULK_STALL_S=${BENCH_CDC_BULK_STALL_S:-60}
BENCH_CDC_DEBEZIUM=${BENCH_CDC_DEBEZIUM:-1}
BENCH_HANDOFF_ROUNDS=${BENCH_HANDOFF_ROUNDS:-2}
BENCH_HANDOFF_MODES=${BENCH_HANDOFF_MODES:-snapshot snapshot-streaming handoff}
BENCH_HANDOFF_PARALLELISM=${BENCH_HANDOFF_PARALLELISM:-4}
BENCH_HANDOFF_RATE=${BENCH_HANDOFF_RATE:-200}
BENCH_HANDOFF_INSERT_PCT=${BENCH_HANDOFF_INSERT_PCT:-50}
BENCH_HANDOFF_SNAPSHOT_LOAD=${BENCH_HANDOFF_SNAPSHOT_LOAD:-1}
BENCH_HANDOFF_PRELOAD_S=${BENCH_HANDOFF_PRELOAD_S:-2}
BENCH_HANDOFF_POST_S=${BENCH_HANDOFF_POST_S:-30}
BENCH_HANDOFF_LAG_MS=${BENCH_HANDOFF_LAG_MS:-1000}
BENCH_HANDOFF_CATCHUP_S=${BENCH_HANDOFF_CATCHUP_S:-300}
BENCH_HANDOFF_DRAIN_S=${BENCH_HANDOFF_DRAIN_S:-60}
BENCH_INSTALL=${BENCH_INSTALL:-1}
BENCH_TABLES_PG_PER_TABLE=${BENCH_TABLES_PG_PER_TABLE:-15}
BENCH_TABLES_MARIADB_PER_TABLE=${BENCH_TABLES_MARIADB_PER_TABLE:-50}
BENCH_TABLES_PARALLELISM=${BENCH_TABLES_PARALLELISM:-4}
BENCH_TABLES_RATE=${BENCH_TABLES_RATE:-200}
BENCH_TABLES_INSERT_PCT=${BENCH_TABLES_INSERT_PCT:-50}
BENCH_TABLES_PRELOAD_S=${BENCH_TABLES_PRELOAD_S:-2}
BENCH_TABLES_POST_S=${BENCH_TABLES_POST_S:-20}
BENCH_TABLES_DRAIN_S=${BENCH_TABLES_DRAIN_S:-60}
BENCH_TABLES_FLINK_NETWORK=${BENCH_TABLES_FLINK_NETWORK:-512mb}

log() { echo "[bench] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# A JSON string literal of $1 (one line, control characters dropped).
json_str() {
  local s
  s=$(printf '%s' "$1" | tr '\n\t\r' '   ' | tr -d '\000-\037')
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

########## build once, classpath once ##########

CP=""
CP_SPARK="" # CP plus the Spark runner, a test-scope dependency of runners-it

# private_classpath <file written by dependency:build-classpath>: the classpath with this
# project's jars replaced by private copies in $BENCH_OUT/lib, so that other builds during the run
# (mvn clean, a new install of heliosdb-io) cannot change or remove them between cases.
private_classpath() {
  local entry out=() entries=()
  IFS=":" read -r -a entries < "$1" || true  # no final newline
  for entry in "${entries[@]}"; do
    case "$entry" in
      */io/heliosdb/* | "$ROOT"/*) cp -r "$entry" "$BENCH_OUT/lib/" && out+=("$BENCH_OUT/lib/$(basename "$entry")") ;;
      *) out+=("$entry") ;;
    esac
  done
  (IFS=:; echo "${out[*]}")
}
build_and_classpath() {
  local mvn=(mvn -B -q $BENCH_MVN_OFFLINE -Dstyle.color=never -f "$ROOT/pom.xml")
  if [ "$BENCH_INSTALL" = 0 ]; then
    # one reactor: heliosdb-io's jar from heliosdb-io/target, nothing written to ~/.m2
    log "building heliosdb-io and runners-it (package, one reactor, no install)"
    "${mvn[@]}" package dependency:build-classpath -pl heliosdb-io,runners-it -am \
      -DskipTests -Djacoco.skip=true -DincludeScope=runtime \
      -Dmdep.outputFile="$BENCH_OUT/classpath.txt" >&2
  elif [ "$BENCH_SKIP_BUILD" != 1 ]; then
    log "building heliosdb-io (install) and runners-it (compile)"
    # heliosdb-io and the parent pom go to ~/.m2 as usual; runners-it is only compiled, and its
    # tests are not compiled (-Dmaven.test.skip) so work in progress there cannot break the run.
    "${mvn[@]}" install -pl heliosdb-io -am -DskipTests -Djacoco.skip=true >&2
    "${mvn[@]}" compile -pl runners-it -Dmaven.test.skip=true -Djacoco.skip=true >&2
  fi
  if [ "$BENCH_INSTALL" != 0 ]; then
    log "computing the runtime classpath"
    "${mvn[@]}" dependency:build-classpath -pl runners-it -DincludeScope=runtime \
      -Dmdep.outputFile="$BENCH_OUT/classpath.txt" >&2
  fi
  # Run from a private copy of this project's classes and jars (private_classpath)
  mkdir -p "$BENCH_OUT/lib"
  cp -r "$HERE/target/classes" "$BENCH_OUT/classes"
  CP="$BENCH_OUT/classes:$(private_classpath "$BENCH_OUT/classpath.txt")"
  if has_word spark "$BENCH_RUNNERS"; then
    "${mvn[@]}" dependency:build-classpath -pl runners-it -DincludeScope=test \
      -Dmdep.outputFile="$BENCH_OUT/classpath-spark.txt" >&2
    CP_SPARK="$BENCH_OUT/classes:$(private_classpath "$BENCH_OUT/classpath-spark.txt")"
  fi
  fetch_profiler
}

# PROFILER_LIB: async-profiler's agent for this machine, from its Maven Central jar
fetch_profiler() {
  [ -n "$BENCH_PROFILE" ] || return 0
  local arch dir="$BENCH_OUT/async-profiler"
  case "$(uname -m)" in
    x86_64) arch=linux-x64 ;;
    aarch64) arch=linux-arm64 ;;
    *) die "BENCH_PROFILE: async-profiler has no agent for $(uname -m)" ;;
  esac
  mvn -B -q $BENCH_MVN_OFFLINE dependency:copy \
    -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION" -DoutputDirectory="$dir" >&2
  (cd "$dir" && jar xf "async-profiler-$ASYNC_PROFILER_VERSION.jar" "$arch/libasyncProfiler.so")
  PROFILER_LIB="$dir/$arch/libasyncProfiler.so"
  log "profiling every case: async-profiler $ASYNC_PROFILER_VERSION, event $BENCH_PROFILE"
}

########## servers ##########

ensure_servers() {
  local ok=1
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then ok=0; fi
  if command -v mariadb-admin >/dev/null 2>&1 \
      && ! mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; then ok=0; fi
  if [ $ok = 0 ]; then
    log "a database server is not reachable; running scripts/prepare-databases.sh"
    "$ROOT/scripts/prepare-databases.sh" >&2
  fi
}

########## one case = one fresh JVM ##########

JAVA_LOG_OPTS=(
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
  -Dorg.slf4j.simpleLogger.showDateTime=true
  -Dorg.slf4j.simpleLogger.log.org.apache.flink.metrics=error
)

# Spark 3.5 on JDK 17: the packages Spark and Kryo reach into by reflection (as runners-it's
# surefire argLine); no web UI
SPARK_JAVA_OPTS=(
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED -Dspark.ui.enabled=false
)

# run_case <case id> <fallback JSON fields, without braces> <java options...> -- <main> <args...>
# Runs the case in a fresh JVM under a hard time limit, prints its JSON line (or an error line
# built here if the JVM printed none) to stdout and appends it to results.jsonl.
run_case() {
  local id=$1 fields=$2
  shift 2
  local jopts=()
  while [ "$1" != "--" ]; do jopts+=("$1"); shift; done
  shift
  local name=${id//\//_}
  local out="$BENCH_OUT/logs/$name.out" err="$BENCH_OUT/logs/$name.log" rss="$BENCH_OUT/logs/$name.rss"
  local timer=()
  if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -q -f %M -o "$rss"); fi
  local hard=$((BENCH_TIMEOUT + 60)) rc=0 start end
  if [ -n "$BENCH_PROFILE" ]; then
    jopts+=("-agentpath:$PROFILER_LIB=start,event=$BENCH_PROFILE${BENCH_PROFILE_OPTS:+,$BENCH_PROFILE_OPTS},file=$BENCH_OUT/logs/$name.profile.$BENCH_PROFILE_FORMAT")
  fi
  log "case $id"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086  # BENCH_JAVA_OPTS is a list of options
  timeout --kill-after=30 "$hard" "${timer[@]}" java $BENCH_JAVA_OPTS "${jopts[@]}" \
    "${JAVA_LOG_OPTS[@]}" -Dbench.timeoutSeconds="$BENCH_TIMEOUT" -cp "${CASE_CP:-$CP}" "$@" \
    >"$out" 2>"$err" || rc=$?
  end=$(date +%s.%N)
  local line
  line=$(grep '^{"bench"' "$out" | tail -n 1 || true)
  if [ -z "$line" ]; then
    local why peak=""
    if [ $rc = 124 ] || [ $rc = 137 ]; then
      why="killed after ${hard} s (hard time limit)"
    else
      why="JVM exited with code $rc and no result; last output: $(cat "$out" "$err" | grep -v '^\s*$' | tail -n 1 || true)"
    fi
    if [ -s "$rss" ]; then peak=$(tail -n 1 "$rss" | tr -dc '0-9' || true); fi
    line="{$fields,\"error\":$(json_str "$why")"
    [ -n "$peak" ] && line+=",\"peak_rss_mb\":$(( (peak + 512) / 1024 ))"
    line+=",\"jvm_seconds\":$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')}"
  fi
  if [[ $line == *'"error"'* ]]; then log "case $id failed; see $err"; fi
  echo "$line" | tee -a "$BENCH_OUT/results.jsonl"
}

selected() { # <case id>
  { [ -z "$BENCH_CASES" ] || [[ $1 =~ $BENCH_CASES ]]; } \
    && { [ -z "$BENCH_SKIP_CASES" ] || ! [[ $1 =~ $BENCH_SKIP_CASES ]]; }
}

has_word() { # <word> <list>
  [[ " $2 " == *" $1 "* ]]
}

########## snapshot ##########

bench_snapshot() {
  [ -n "$BENCH_RUNNERS_GIVEN" ] || BENCH_RUNNERS="direct flink spark"
  local cases=() db runner impl p
  for db in $BENCH_DBS; do
    has_word jdbc-loop "$BENCH_IMPLS" && cases+=("$db none jdbc-loop 1")
    for runner in $BENCH_RUNNERS; do
      for impl in heliosdbio heliosdbio-ms jdbcio-partitions; do
        has_word $impl "$BENCH_IMPLS" || continue
        for p in $BENCH_PARALLELISMS; do cases+=("$db $runner $impl $p"); done
      done
      has_word jdbcio-read "$BENCH_IMPLS" && cases+=("$db $runner jdbcio-read $BENCH_READ_PARALLELISM")
    done
  done
  for impl in ceiling ceiling-ms; do
    has_word $impl "$BENCH_IMPLS" || continue
    for runner in $BENCH_RUNNERS; do
      for p in $BENCH_PARALLELISMS; do cases+=("none $runner $impl $p"); done
    done
  done
  if [ -n "$BENCH_HEAP" ] && has_word postgres "$BENCH_DBS" && has_word direct "$BENCH_RUNNERS" \
      && has_word heliosdbio "$BENCH_IMPLS"; then
    cases+=("postgres direct heliosdbio 4 $BENCH_HEAP")
    # the competitor under the same heap, to compare memory like with like
    has_word jdbcio-partitions "$BENCH_IMPLS" \
      && cases+=("postgres direct jdbcio-partitions 4 $BENCH_HEAP")
  fi

  local todo=() c id heap
  for c in "${cases[@]}"; do
    read -r db runner impl p heap <<<"$c"
    id="$db/$runner/$impl/p$p${heap:+/xmx$heap}"
    selected "$id" && todo+=("$c")
  done
  [ ${#todo[@]} -gt 0 ] || die "no case selected (BENCH_CASES='$BENCH_CASES', BENCH_SKIP_CASES='$BENCH_SKIP_CASES')"

  build_and_classpath
  ensure_servers
  local dbs_needed=()
  for db in postgres mariadb; do
    for c in "${todo[@]}"; do [[ $c == "$db "* ]] && { dbs_needed+=("$db"); break; }; done
  done
  for db in "${dbs_needed[@]}"; do
    java -cp "$CP" io.heliosdb.bench.SnapshotTable prepare "$db" "$BENCH_ROWS" >&2 \
      || die "cannot prepare the $db table (is the server up? scripts/prepare-databases.sh)"
  done

  log "${#todo[@]} cases, $BENCH_ROWS rows, time limit ${BENCH_TIMEOUT}s each; logs in $BENCH_OUT/logs"
  local n=0 jopts fields
  for c in "${todo[@]}"; do
    read -r db runner impl p heap <<<"$c"
    n=$((n + 1))
    id="$db/$runner/$impl/p$p${heap:+/xmx$heap}"
    jopts=(-Dbench.chunkSize="$BENCH_CHUNK_SIZE" -Dbench.fetchSize="$BENCH_FETCH_SIZE"
      -Dbench.jdbcioReadOutputParallelization="$BENCH_JDBCIO_READ_RESHUFFLE")
    fields="\"bench\":\"snapshot\",\"db\":\"$db\",\"runner\":\"$runner\",\"impl\":\"$impl\",\"parallelism\":$p,\"rows\":$BENCH_ROWS"
    if [ -n "$heap" ]; then
      jopts+=(-Xmx"$heap" -Dbench.heap="$heap")
      fields+=",\"heap\":\"$heap\""
    fi
    local case_cp=$CP
    if [ "$runner" = spark ]; then
      jopts+=("${SPARK_JAVA_OPTS[@]}")
      case_cp=$CP_SPARK
    fi
    log "($n/${#todo[@]})"
    # shellcheck disable=SC2086  # BENCH_PIPELINE_ARGS is a list of options
    CASE_CP=$case_cp run_case "$id" "$fields" "${jopts[@]}" -- \
      io.heliosdb.bench.SnapshotBench "$db" "$runner" "$impl" "$p" "$BENCH_ROWS" $BENCH_PIPELINE_ARGS
  done

  java -cp "$CP" io.heliosdb.bench.BenchSummary snapshot "$BENCH_OUT/results.jsonl" \
    | tee -a "$BENCH_OUT/results.jsonl"
  log "results: $BENCH_OUT/results.jsonl"
}

########## coders ##########

bench_coders() {
  build_and_classpath
  log "RowCoder encode and decode per row, exact and millisecond date-times (JMH, ~2 min)"
  java -cp "$CP" $BENCH_JAVA_OPTS io.heliosdb.bench.RowCoderCost \
    2>"$BENCH_OUT/logs/coders.log" | tee -a "$BENCH_OUT/results.jsonl"
  log "results: $BENCH_OUT/results.jsonl"
}

########## incremental ##########

bench_incremental() {
  local todo=() db runner id
  for db in $BENCH_DBS; do
    for runner in $BENCH_RUNNERS; do
      id="$db/$runner"
      selected "$id" && todo+=("$db $runner")
    done
  done
  [ ${#todo[@]} -gt 0 ] || die "no case selected (BENCH_CASES='$BENCH_CASES', BENCH_SKIP_CASES='$BENCH_SKIP_CASES')"

  build_and_classpath
  ensure_servers

  log "${#todo[@]} cases: poll ${BENCH_INCR_POLL_S} s, commit delay ${BENCH_INCR_DELAY_S} s," \
    "${BENCH_INCR_RATE} rows/s for ${BENCH_INCR_LOAD_S} s (warm-up ${BENCH_INCR_WARMUP_S} s)," \
    "idle ${BENCH_INCR_IDLE_S} s; time limit ${BENCH_TIMEOUT}s each; logs in $BENCH_OUT/logs"
  local n=0 c jopts fields
  for c in "${todo[@]}"; do
    read -r db runner <<<"$c"
    n=$((n + 1))
    jopts=(-Dbench.pollIntervalSeconds="$BENCH_INCR_POLL_S"
      -Dbench.commitDelaySeconds="$BENCH_INCR_DELAY_S" -Dbench.rowsPerSecond="$BENCH_INCR_RATE"
      -Dbench.loadSeconds="$BENCH_INCR_LOAD_S" -Dbench.warmupSeconds="$BENCH_INCR_WARMUP_S"
      -Dbench.idleSeconds="$BENCH_INCR_IDLE_S" -Dbench.baselineSeconds="$BENCH_INCR_BASELINE_S"
      -Dbench.drainTimeoutSeconds="$BENCH_INCR_DRAIN_S")
    fields="\"bench\":\"incremental\",\"db\":\"$db\",\"runner\":\"$runner\",\"poll_interval_s\":$BENCH_INCR_POLL_S,\"commit_delay_s\":$BENCH_INCR_DELAY_S,\"rows_per_s\":$BENCH_INCR_RATE"
    log "($n/${#todo[@]})"
    run_case "$db/$runner" "$fields" "${jopts[@]}" -- io.heliosdb.bench.IncrementalBench "$db" "$runner"
  done

  java -cp "$CP" io.heliosdb.bench.IncrementalSummary "$BENCH_OUT/results.jsonl" \
    | tee -a "$BENCH_OUT/results.jsonl"
  log "results: $BENCH_OUT/results.jsonl"
}

########## cdc ##########

bench_cdc() {
  [ -n "$BENCH_TIMEOUT_GIVEN" ] || BENCH_TIMEOUT=240
  local todo=() db runner rate id
  for db in $BENCH_DBS; do
    for runner in $BENCH_RUNNERS; do
      for rate in $BENCH_CDC_RATES; do
        id="$db/$runner/$rate"
        selected "$id" && todo+=("$db $runner $rate")
      done
      if [ "$BENCH_CDC_BULK" = 1 ]; then
        id="$db/$runner/bulk"
        selected "$id" && todo+=("$db $runner bulk")
      fi
    done
    # bare Debezium, the measure of the bulk cases (not a runner: BENCH_RUNNERS does not apply)
    if [ "$BENCH_CDC_BULK" = 1 ] && [ "$BENCH_CDC_DEBEZIUM" = 1 ]; then
      id="$db/debezium/bulk"
      selected "$id" && todo+=("$db debezium bulk")
    fi
  done
  [ ${#todo[@]} -gt 0 ] || die "no case selected (BENCH_CASES='$BENCH_CASES', BENCH_SKIP_CASES='$BENCH_SKIP_CASES')"

  build_and_classpath
  ensure_servers

  log "${#todo[@]} cases: latency at ${BENCH_CDC_RATES} tx/s for ${BENCH_CDC_LOAD_S} s" \
    "(warm-up ${BENCH_CDC_WARMUP_S} s), bulk ${BENCH_CDC_BULK_ROWS} rows" \
    "(Direct ${BENCH_CDC_BULK_ROWS_DIRECT:-the same}); time limit ${BENCH_TIMEOUT}s each; logs in $BENCH_OUT/logs"
  local n=0 c jopts fields rows
  for c in "${todo[@]}"; do
    read -r db runner rate <<<"$c"
    n=$((n + 1))
    jopts=(-Dbench.loadSeconds="$BENCH_CDC_LOAD_S" -Dbench.warmupSeconds="$BENCH_CDC_WARMUP_S"
      -Dbench.drainTimeoutSeconds="$BENCH_CDC_DRAIN_S" -Dbench.writers="$BENCH_CDC_WRITERS"
      -Dbench.bulkBatchRows="$BENCH_CDC_BULK_BATCH" -Dbench.bulkStallSeconds="$BENCH_CDC_BULK_STALL_S")
    fields="\"bench\":\"cdc\",\"db\":\"$db\",\"runner\":\"$runner\""
    if [ "$rate" = bulk ]; then
      rows=$BENCH_CDC_BULK_ROWS
      if [ "$runner" = direct ] && [ -n "$BENCH_CDC_BULK_ROWS_DIRECT" ] \
          && [ "$BENCH_CDC_BULK_ROWS_DIRECT" -lt "$rows" ]; then
        jopts+=(-Dbench.bulkCappedFrom="$rows")
        rows=$BENCH_CDC_BULK_ROWS_DIRECT
      fi
      jopts+=(-Dbench.bulkRows="$rows")
      fields+=",\"mode\":\"bulk\",\"rows\":$rows"
    else
      fields+=",\"mode\":\"latency\",\"tx_per_s\":$rate"
    fi
    log "($n/${#todo[@]})"
    if [ "$runner" = debezium ]; then
      run_case "$db/$runner/$rate" "$fields" "${jopts[@]}" -- \
        io.heliosdb.bench.DebeziumBulkBench "$db"
    else
      run_case "$db/$runner/$rate" "$fields" "${jopts[@]}" -- \
        io.heliosdb.bench.CdcBench "$db" "$runner" "$rate"
    fi
  done

  # a slot left behind (a case killed by the hard time limit) would keep WAL forever
  if has_word postgres "$BENCH_DBS"; then
    java "${JAVA_LOG_OPTS[@]}" -cp "$CP" io.heliosdb.bench.CdcBench cleanup postgres >&2 \
      || log "WARNING: could not drop the replication slot bench_cdc; drop it by hand:" \
        "SELECT pg_drop_replication_slot('bench_cdc'); DROP PUBLICATION bench_cdc"
    if [[ " ${todo[*]} " == *" postgres debezium "* ]]; then
      java "${JAVA_LOG_OPTS[@]}" -cp "$CP" io.heliosdb.bench.DebeziumBulkBench cleanup postgres >&2 \
        || log "WARNING: could not drop the replication slot bench_cdc_dbz; drop it by hand:" \
          "SELECT pg_drop_replication_slot('bench_cdc_dbz'); DROP PUBLICATION bench_cdc_dbz"
    fi
  fi
  java -cp "$CP" io.heliosdb.bench.CdcSummary "$BENCH_OUT/results.jsonl" \
    | tee -a "$BENCH_OUT/results.jsonl"
  log "results: $BENCH_OUT/results.jsonl"
}

########## handoff ##########

bench_faults() {
  # The fault-injection suite: the *FaultIT classes of runners-it (Maven profile "faults"), which
  # kill sessions, restart the database servers and kill pipeline JVMs. Each scenario appends one
  # JSON object to results.jsonl (FaultResult): rows_expected, rows_lost, duplicates, recovery_ms.
  # FAULT_TESTS selects classes or methods (surefire -Dtest syntax); default: all of them.
  local mvn=(mvn -B $BENCH_MVN_OFFLINE -Dstyle.color=never -f "$ROOT/pom.xml")
  if [ "$BENCH_SKIP_BUILD" != 1 ]; then
    log "building heliosdb-io (install)"
    "${mvn[@]}" -q install -pl heliosdb-io -am -DskipTests -Djacoco.skip=true >&2
  fi
  local status=0 test_arg=()
  [ -z "${FAULT_TESTS:-}" ] || test_arg=(-Dtest="$FAULT_TESTS" -Dsurefire.failIfNoSpecifiedTests=false)
  FAULT_RESULTS="$BENCH_OUT/results.jsonl" "${mvn[@]}" verify -pl runners-it -Pfaults \
    -Djacoco.skip=true "${test_arg[@]}" >"$BENCH_OUT/logs/faults.log" 2>&1 || status=$?
  grep -h "Tests run:\|FAIL" "$BENCH_OUT/logs/faults.log" | tail -n 20 >&2 || true
  cat "$BENCH_OUT/results.jsonl"
  python3 - "$BENCH_OUT/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lost = sum(r.get("rows_lost", 0) for r in rows)
print(json.dumps({"bench": "faults", "summary": True, "scenarios": len(rows), "rows_lost": lost,
                  "duplicates": sum(r.get("duplicates", 0) for r in rows),
                  "pass": lost == 0 and len(rows) > 0}))
PY
  [ $status -eq 0 ] || die "fault suite failed (exit $status); see $BENCH_OUT/logs/faults.log"
}

bench_cluster() {
  # FlinkClusterIT against scripts/flink-cluster.sh's cluster; Maven may download (fresh machine)
  local mvn=(mvn -B -Dstyle.color=never -f "$ROOT/pom.xml")
  if [ "$BENCH_SKIP_BUILD" != 1 ]; then
    log "building the job jar (examples, profile flink-job)"
    "${mvn[@]}" -q package -pl heliosdb-io,examples -am -Pflink-job -DskipTests \
      -Djacoco.skip=true >"$BENCH_OUT/logs/build.log" 2>&1 \
      || die "build failed; see $BENCH_OUT/logs/build.log"
  fi
  "$ROOT/scripts/flink-cluster.sh" start
  trap '"$ROOT/scripts/flink-cluster.sh" stop' EXIT
  local status=0
  FAULT_RESULTS="$BENCH_OUT/results.jsonl" "${mvn[@]}" verify -pl heliosdb-io,runners-it -am \
    -Pflink-cluster -Djacoco.skip=true -Dtest=FlinkClusterIT -Dsurefire.failIfNoSpecifiedTests=false \
    -Dflink.rest="localhost:${FLINK_REST_PORT:-18081}" \
    >"$BENCH_OUT/logs/cluster.log" 2>&1 || status=$?
  grep -h "Tests run:\|FAIL" "$BENCH_OUT/logs/cluster.log" | tail -n 5 >&2 || true
  cp -r "$ROOT/target/flink-cluster/log" "$BENCH_OUT/logs/flink-cluster" 2>/dev/null || true
  cat "$BENCH_OUT/results.jsonl"
  python3 - "$BENCH_OUT/results.jsonl" $status <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
lost = sum(r.get("rows_lost", 0) for r in rows)
print(json.dumps({"bench": "cluster", "summary": True, "cases": len(rows), "rows_lost": lost,
                  "pass": lost == 0 and len(rows) == 5 and sys.argv[2] == "0"}))
PY
  [ $status -eq 0 ] || die "cluster tests failed (exit $status); see $BENCH_OUT/logs/cluster.log"
}

bench_handoff() {
  [ -n "$BENCH_TIMEOUT_GIVEN" ] || BENCH_TIMEOUT=900
  local todo=() db runner round mode id
  for db in $BENCH_DBS; do
    for runner in $BENCH_RUNNERS; do
      for ((round = 1; round <= BENCH_HANDOFF_ROUNDS; round++)); do
        # odd rounds in the given order, even rounds reversed, so drift hits every mode alike
        local modes=($BENCH_HANDOFF_MODES) ordered=() i
        if ((round % 2 == 1)); then ordered=("${modes[@]}"); else
          for ((i = ${#modes[@]} - 1; i >= 0; i--)); do ordered+=("${modes[i]}"); done
        fi
        for mode in "${ordered[@]}"; do
          case "$mode" in
            snapshot | snapshot-streaming | handoff) ;;
            *) die "unknown mode '$mode' in BENCH_HANDOFF_MODES (snapshot snapshot-streaming handoff)" ;;
          esac
          id="$db/$runner/$mode/r$round"
          selected "$id" && todo+=("$db $runner $mode $round")
        done
      done
    done
  done
  [ ${#todo[@]} -gt 0 ] || die "no case selected (BENCH_CASES='$BENCH_CASES', BENCH_SKIP_CASES='$BENCH_SKIP_CASES')"

  build_and_classpath
  # heliosdb-io may change while others work on it: note which sources this run was built from
  if [ "$BENCH_SKIP_BUILD" != 1 ]; then
    (cd "$ROOT" && find heliosdb-io/src/main/java -name '*.java' -print0 | sort -z \
      | xargs -0 sha256sum) >"$BENCH_OUT/heliosdb-io-sources.sha256"
    log "heliosdb-io sources: sha256 of the list $(sha256sum <"$BENCH_OUT/heliosdb-io-sources.sha256" | cut -c1-16);" \
      "newest: $(cd "$ROOT" && find heliosdb-io/src/main/java -name '*.java' -printf '%TY-%Tm-%Td %TH:%TM %p\n' | sort -r | head -n 1)"
  fi
  ensure_servers
  for db in postgres mariadb; do
    local c
    for c in "${todo[@]}"; do
      if [[ $c == "$db "* ]]; then
        java -cp "$CP" io.heliosdb.bench.SnapshotTable prepare "$db" "$BENCH_ROWS" >&2 \
          || die "cannot prepare the $db table (is the server up? scripts/prepare-databases.sh)"
        break
      fi
    done
  done

  log "${#todo[@]} cases, $BENCH_ROWS rows, parallelism $BENCH_HANDOFF_PARALLELISM, load" \
    "${BENCH_HANDOFF_RATE} tx/s (${BENCH_HANDOFF_INSERT_PCT}% inserts), post-catch-up window" \
    "${BENCH_HANDOFF_POST_S} s; time limit ${BENCH_TIMEOUT}s each; logs in $BENCH_OUT/logs"
  local n=0 c jopts fields snapshot_load=true
  [ "$BENCH_HANDOFF_SNAPSHOT_LOAD" = 1 ] || snapshot_load=false
  for c in "${todo[@]}"; do
    read -r db runner mode round <<<"$c"
    n=$((n + 1))
    jopts=(-Dbench.chunkSize="$BENCH_CHUNK_SIZE" -Dbench.fetchSize="$BENCH_FETCH_SIZE"
      -Dbench.round="$round" -Dbench.txPerSecond="$BENCH_HANDOFF_RATE"
      -Dbench.insertPercent="$BENCH_HANDOFF_INSERT_PCT" -Dbench.snapshotLoad="$snapshot_load"
      -Dbench.preloadSeconds="$BENCH_HANDOFF_PRELOAD_S" -Dbench.postSeconds="$BENCH_HANDOFF_POST_S"
      -Dbench.lagThresholdMs="$BENCH_HANDOFF_LAG_MS"
      -Dbench.catchUpTimeoutSeconds="$BENCH_HANDOFF_CATCHUP_S"
      -Dbench.drainTimeoutSeconds="$BENCH_HANDOFF_DRAIN_S"
      -Dorg.slf4j.simpleLogger.log.io.heliosdb.beam.handoff=info)
    fields="\"bench\":\"handoff\",\"db\":\"$db\",\"runner\":\"$runner\",\"mode\":\"$mode\",\"round\":$round,\"parallelism\":$BENCH_HANDOFF_PARALLELISM,\"rows\":$BENCH_ROWS"
    log "($n/${#todo[@]})"
    run_case "$db/$runner/$mode/r$round" "$fields" "${jopts[@]}" -- \
      io.heliosdb.bench.HandoffBench "$db" "$runner" "$mode" "$BENCH_HANDOFF_PARALLELISM" "$BENCH_ROWS"
  done

  # a slot left behind (a case killed by the hard time limit) would keep WAL forever
  if has_word postgres "$BENCH_DBS"; then
    java "${JAVA_LOG_OPTS[@]}" -cp "$CP" io.heliosdb.bench.HandoffBench cleanup postgres >&2 \
      || log "WARNING: could not drop the replication slot bench_handoff; drop it by hand:" \
        "SELECT pg_drop_replication_slot('bench_handoff'); DROP PUBLICATION bench_handoff"
  fi
  java -cp "$CP" io.heliosdb.bench.HandoffSummary "$BENCH_OUT/results.jsonl" \
    | tee -a "$BENCH_OUT/results.jsonl"
  log "results: $BENCH_OUT/results.jsonl"
}

########## tables ##########

bench_tables() {
  [ -n "$BENCH_TIMEOUT_GIVEN" ] || BENCH_TIMEOUT=900
  local todo=() db runner n shape id
  for db in $BENCH_DBS; do
    for runner in $BENCH_RUNNERS; do
      n=$BENCH_TABLES_MARIADB_PER_TABLE
      [ "$db" = postgres ] && n=$BENCH_TABLES_PG_PER_TABLE
      # the one-source case of all 50 tables, then one source against one per table, same tables
      local cases=("one 50" "one $n" "per-table $n")
      [ "$n" = 50 ] && cases=("one 50" "per-table 50")
      for c in "${cases[@]}"; do
        read -r shape n <<<"$c"
        id="$db/$runner/$shape/$n"
        selected "$id" && todo+=("$db $runner $shape $n")
      done
    done
  done
  [ ${#todo[@]} -gt 0 ] || die "no case selected (BENCH_CASES='$BENCH_CASES', BENCH_SKIP_CASES='$BENCH_SKIP_CASES')"

  build_and_classpath
  ensure_servers
  for db in postgres mariadb; do
    local c
    for c in "${todo[@]}"; do
      if [[ $c == "$db "* ]]; then
        java -cp "$CP" io.heliosdb.bench.BenchTables prepare "$db" >&2 \
          || die "cannot prepare the $db tables (is the server up? scripts/prepare-databases.sh)"
        break
      fi
    done
  done

  # Flink's embedded cluster: 50 outputs, each with its own step at parallelism 4, need more
  # network buffers than its default 64 MB (2,048 buffers) hold
  mkdir -p "$BENCH_OUT/flink-conf"
  printf 'taskmanager.memory.network.min: %s\ntaskmanager.memory.network.max: %s\n' \
    "$BENCH_TABLES_FLINK_NETWORK" "$BENCH_TABLES_FLINK_NETWORK" >"$BENCH_OUT/flink-conf/flink-conf.yaml"
  log "${#todo[@]} cases, parallelism $BENCH_TABLES_PARALLELISM, load ${BENCH_TABLES_RATE} tx/s" \
    "(${BENCH_TABLES_INSERT_PCT}% inserts) until ${BENCH_TABLES_POST_S} s after the snapshot;" \
    "time limit ${BENCH_TIMEOUT}s each; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true);" \
    "logs in $BENCH_OUT/logs"
  local k=0 jopts fields
  for c in "${todo[@]}"; do
    read -r db runner shape n <<<"$c"
    k=$((k + 1))
    jopts=(-Dbench.chunkSize="$BENCH_CHUNK_SIZE" -Dbench.txPerSecond="$BENCH_TABLES_RATE"
      -Dbench.insertPercent="$BENCH_TABLES_INSERT_PCT" -Dbench.preloadSeconds="$BENCH_TABLES_PRELOAD_S"
      -Dbench.postSeconds="$BENCH_TABLES_POST_S" -Dbench.drainTimeoutSeconds="$BENCH_TABLES_DRAIN_S")
    fields="\"bench\":\"tables\",\"db\":\"$db\",\"runner\":\"$runner\",\"shape\":\"$shape\",\"tables\":$n,\"parallelism\":$BENCH_TABLES_PARALLELISM"
    local extra=()
    [ "$runner" = flink ] && extra=(--flinkConfDir="$BENCH_OUT/flink-conf")
    log "($k/${#todo[@]})"
    run_case "$db/$runner/$shape/$n" "$fields" "${jopts[@]}" -- \
      io.heliosdb.bench.TablesBench "$db" "$runner" "$shape" "$n" "$BENCH_TABLES_PARALLELISM" \
      "${extra[@]}"
  done

  # a slot left behind (a case killed by the hard time limit) would keep WAL forever
  if has_word postgres "$BENCH_DBS"; then
    java "${JAVA_LOG_OPTS[@]}" -cp "$CP" io.heliosdb.bench.TablesBench cleanup postgres >&2 \
      || log "WARNING: could not drop the replication slots tb_bench_*; drop them by hand:" \
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'tb\\_bench\\_%'"
  fi
  java -cp "$CP" io.heliosdb.bench.TablesSummary "$BENCH_OUT/results.jsonl" \
    | tee -a "$BENCH_OUT/results.jsonl"
  log "results: $BENCH_OUT/results.jsonl"
}

########## dispatch ##########

case "$BENCH" in
  snapshot | coders | incremental | cdc | handoff | tables | faults | cluster) ;;
  -h | --help | "") usage ;;
  *) log "unknown benchmark '$BENCH'"; usage ;;
esac

BENCH_OUT=${BENCH_OUT:-${TMPDIR:-/tmp}/heliosdb-bench/$BENCH-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$BENCH_OUT/logs"
: >"$BENCH_OUT/results.jsonl"
log "output directory $BENCH_OUT"

"bench_$BENCH"
