#!/usr/bin/env bash
# Checks what a user's Maven project gets when it reads PostgreSQL with heliosdb-io: builds
# scripts/consumer (heliosdb-io, the PostgreSQL JDBC driver and Debezium's PostgreSQL connector,
# no parent, no dependencyManagement) against a fresh local repository, target/consumer-m2:
#   1. packages heliosdb-io (no tests) unless its jar is newer than its sources and poms,
#   2. installs heliosdb-io's jar and pom and the parent pom into the fresh repository only,
#   3. resolves the consumer's dependencies into it; the local repository of earlier builds
#      (SEED_REPO, default ~/.m2/repository) is read as the first remote repository, Maven
#      Central after it, so that resolving is quick and still follows only the poms,
#   4. fails if the resolved tree holds a jar of another database (Oracle, infinispan, ehcache,
#      elytron, JAXB, MySQL, MariaDB) or a jackson-databind other than the build's,
#   5. compiles the consumer and runs its main: a snapshot read of a three-row table of the
#      local PostgreSQL (database heliosdb) on the Direct runner; then runs it again without
#      Debezium and Kafka on the class path (snapshot reads do not load them),
#   6. builds a read without the PostgreSQL driver, and a CDC read without Debezium: each must
#      fail with the error naming the Maven coordinates to add.
# The coordinates and versions are the parent pom's. Nothing is installed into ~/.m2. Exits
# non-zero on failure. 33 s on 2026-12-02 with heliosdb-io already packaged, most of it Maven
# resolving and compiling.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/consumer-check
repo=$root/target/consumer-m2
seed=${SEED_REPO:-$HOME/.m2/repository}
url=jdbc:postgresql://127.0.0.1:5432/heliosdb
started=$SECONDS

log() { echo "[consumer-check] $((SECONDS - started)) s: $*"; }
fail() { echo "[consumer-check] FAILED: $*" >&2; exit 1; }
# the parent pom's groupId, version, or one of its properties
prop() {
  python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"m": "http://maven.apache.org/POM/4.0.0"}
project = ET.parse("pom.xml").getroot()
name = sys.argv[1]
node = project.find("m:" + name, ns) if name in ("groupId", "version") \
    else project.find("m:properties/m:" + name, ns)
print(node.text.strip())
PY
}

version=$(prop version)
jar=heliosdb-io/target/heliosdb-io-$version.jar
props=(-Dheliosdb.groupId="$(prop groupId)" -Dheliosdb.version="$version"
  -Dpostgresql.version="$(prop postgresql.version)"
  -Ddebezium.version="$(prop debezium.version)" -Dbeam.version="$(prop beam.version)"
  -Dcompiler-plugin.version="$(prop compiler-plugin.version)"
  -Ddependency-plugin.version="$(prop dependency-plugin.version)")

changed=$(find heliosdb-io/src/main heliosdb-io/pom.xml pom.xml -newer "$jar" 2>/dev/null | head -1 \
  || true)
if [[ ! -f $jar || -n $changed ]]; then
  log "packaging heliosdb-io (no tests)"
  mvn -B -q -pl heliosdb-io package -DskipTests -Djacoco.skip=true
fi

rm -rf "$repo" "$out"
mkdir -p "$out"
cat > "$out/settings.xml" <<SETTINGS
<settings>
  <profiles>
    <profile>
      <id>seed</id>
      <repositories>
        <repository><id>seed</id><url>file://$seed</url></repository>
      </repositories>
      <pluginRepositories>
        <pluginRepository><id>seed</id><url>file://$seed</url></pluginRepository>
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles><activeProfile>seed</activeProfile></activeProfiles>
</settings>
SETTINGS
mvn_fresh() {
  mvn -B -q -Dstyle.color=never -s "$out/settings.xml" -Dmaven.repo.local="$repo" "$@"
}

log "installing heliosdb-io $version into $repo"
install=org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file
(cd "$out" \
  && mvn_fresh "$install" -Dfile="$root/pom.xml" -DpomFile="$root/pom.xml" -Dpackaging=pom \
  && mvn_fresh "$install" -Dfile="$root/$jar" -DpomFile="$root/heliosdb-io/pom.xml")

log "resolving and compiling scripts/consumer"
mvn_fresh -f scripts/consumer/pom.xml "${props[@]}" clean dependency:tree compile \
  dependency:build-classpath -DoutputFile="$out/tree.txt" -Dmdep.outputFile="$out/classpath.txt"

forbidden='infinispan|ehcache|elytron|jaxb|com\.oracle|debezium-connector-(oracle|mysql|mariadb)'
forbidden+='|mysql-connector|mariadb-java-client'
if grep -Ei "$forbidden" "$out/tree.txt"; then
  fail "the consumer's tree holds the jars above (see $out/tree.txt)"
fi
jackson=$(prop jackson.version)
grep -q "com.fasterxml.jackson.core:jackson-databind:jar:$jackson:compile" "$out/tree.txt" \
  || fail "jackson-databind is not $jackson: $(grep jackson-databind "$out/tree.txt")"
classpath=$(cat "$out/classpath.txt")
jars=$(tr ':' '\n' < "$out/classpath.txt" | grep -c '\.jar$')
size=$(tr ':' '\n' < "$out/classpath.txt" | xargs du -cb | tail -1 | cut -f1)
log "resolved $jars jars, $((size / 1024 / 1024)) MB; none of another database;" \
  "jackson-databind $jackson"

# the consumer's class path without the jars whose paths match $1
consumer_cp() { tr ':' '\n' < "$out/classpath.txt" | grep -Ev "$1" | paste -sd:; }

log "running the consumer: a snapshot read of the local PostgreSQL"
java -cp "scripts/consumer/target/classes:$classpath" com.example.consumer.ReadPostgres "$url"
log "running it again without Debezium and Kafka on the class path"
java -cp "scripts/consumer/target/classes:$(consumer_cp '/io/debezium/|/org/apache/kafka/')" \
  com.example.consumer.ReadPostgres "$url"
log "building a read without the PostgreSQL driver, then a CDC read without Debezium"
java -cp "scripts/consumer/target/classes:$(consumer_cp /org/postgresql/)" \
  com.example.consumer.ReadPostgres "$url" missing-driver \
  "org.postgresql:postgresql:$(prop postgresql.version)"
java -cp "scripts/consumer/target/classes:$(consumer_cp '/io/debezium/|/org/apache/kafka/')" \
  com.example.consumer.ReadPostgres "$url" missing-connector \
  "io.debezium:debezium-connector-postgres:$(prop debezium.version)"
log "passed in $((SECONDS - started)) s"
