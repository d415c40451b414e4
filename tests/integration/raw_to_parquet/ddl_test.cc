// ddl/events.sql declares the writer's columns with matching types (Iceberg and Snowflake).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "evpipe/jobs/event_columns.h"
#include "evpipe/jobs/event_parquet.h"

namespace evpipe::jobs {
namespace {

struct DdlColumn {
  std::string name;
  std::string type;  // upper case, e.g. "STRING", "TIMESTAMP_TZ(6)"
  bool not_null = false;
  std::string rest;  // what follows the type (upper case)
};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string ReadDdl() {
  const char* src = std::getenv("EVPIPE_SOURCE_DIR");
  const std::string path = std::string(src != nullptr ? src : ".") + "/ddl/events.sql";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Drops "-- ..." comments (outside quotes) so that commented SQL does not count.
std::string StripComments(const std::string& sql) {
  std::string out;
  bool quoted = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\'') quoted = !quoted;
    if (!quoted && sql[i] == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    }
    if (i < sql.size()) out += sql[i];
  }
  return out;
}

// Every CREATE TABLE statement: its text up to ';' and its column list.
struct Table {
  std::string statement;
  std::vector<DdlColumn> columns;
};

std::vector<Table> CreateTables(const std::string& sql) {
  std::vector<Table> out;
  const std::string upper = Upper(sql);
  size_t pos = 0;
  while ((pos = upper.find("CREATE TABLE", pos)) != std::string::npos) {
    const size_t open = upper.find('(', pos);
    // The column list ends at the ')' that closes `open`.
    int depth = 0;
    size_t close = open;
    for (; close < upper.size(); ++close) {
      if (upper[close] == '\'') close = upper.find('\'', close + 1);
      if (upper[close] == '(') ++depth;
      if (upper[close] == ')' && --depth == 0) break;
    }
    Table t;
    t.statement = upper.substr(pos, upper.find(';', close) - pos);
    // Split the list at top-level commas.
    std::string body = sql.substr(open + 1, close - open - 1);
    std::vector<std::string> parts;
    std::string cur;
    depth = 0;
    bool quoted = false;
    for (char c : body) {
      if (c == '\'') quoted = !quoted;
      if (!quoted && c == '(') ++depth;
      if (!quoted && c == ')') --depth;
      if (!quoted && depth == 0 && c == ',') {
        parts.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    parts.push_back(cur);
    static const std::regex kColumn(R"(^\s*([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_]+(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?)(.*)$)");
    for (const std::string& p : parts) {
      std::smatch m;
      std::string flat = p;
      for (char& c : flat) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      }
      if (!std::regex_match(flat, m, kColumn)) {
        ADD_FAILURE() << "cannot read column definition: " << flat;
        continue;
      }
      DdlColumn col;
      col.name = m[1];
      col.type = Upper(std::regex_replace(std::string(m[2]), std::regex(R"(\s+)"), ""));
      col.rest = Upper(m[5]);
      // NOT NULL outside a COMMENT '...'.
      const std::string before_comment = col.rest.substr(0, col.rest.find('\''));
      col.not_null = before_comment.find("NOT NULL") != std::string::npos;
      t.columns.push_back(col);
    }
    out.push_back(std::move(t));
    pos = close;
  }
  return out;
}

std::string IcebergType(ColumnType t) {
  switch (t) {
    case ColumnType::kString: return "STRING";
    case ColumnType::kInt32: return "INT";
    case ColumnType::kTimestampMicros: return "TIMESTAMP";  // Spark TIMESTAMP = Iceberg timestamptz
  }
  return "?";
}

std::string SnowflakeType(ColumnType t) {
  switch (t) {
    case ColumnType::kString: return "VARCHAR";
    case ColumnType::kInt32: return "INTEGER";
    case ColumnType::kTimestampMicros: return "TIMESTAMP_TZ(6)";
  }
  return "?";
}

void ExpectWriterColumns(const Table& t, std::string (*type_of)(ColumnType), const char* which) {
  ASSERT_GE(t.columns.size(), kEventColumns.size()) << which;
  for (size_t i = 0; i < kEventColumns.size(); ++i) {
    const EventColumn& want = kEventColumns[i];
    const DdlColumn& got = t.columns[i];
    EXPECT_EQ(got.name, want.name) << which << " column " << i;
    EXPECT_EQ(got.type, type_of(want.type)) << which << " " << want.name;
    EXPECT_EQ(got.not_null, want.required) << which << " " << want.name << " NOT NULL";
  }
}

TEST(DdlTest, IcebergTableMatchesWriterSchema) {
  const auto tables = CreateTables(StripComments(ReadDdl()));
  const Table* iceberg = nullptr;
  for (const Table& t : tables) {
    if (t.statement.find("USING ICEBERG") != std::string::npos) iceberg = &t;
  }
  ASSERT_NE(iceberg, nullptr) << "no CREATE TABLE ... USING iceberg";
  ExpectWriterColumns(*iceberg, IcebergType, "iceberg");
  ASSERT_EQ(iceberg->columns.size(), kEventColumns.size() + 1);
  const DdlColumn& part = iceberg->columns.back();
  EXPECT_EQ(part.name, kPartitionColumn);
  EXPECT_EQ(part.type, "DATE");
  EXPECT_TRUE(part.not_null);
  EXPECT_NE(iceberg->statement.find("PARTITIONED BY (INGEST_DATE)"), std::string::npos);
  EXPECT_NE(iceberg->statement.find("'FORMAT-VERSION' = '2'"), std::string::npos);
}

TEST(DdlTest, SnowflakeTableMatchesWriterSchema) {
  const std::string sql = StripComments(ReadDdl());
  const auto tables = CreateTables(sql);
  const Table* snowflake = nullptr;
  for (const Table& t : tables) {
    if (t.statement.find("USING ICEBERG") == std::string::npos) snowflake = &t;
  }
  ASSERT_NE(snowflake, nullptr) << "no Snowflake CREATE TABLE";
  ExpectWriterColumns(*snowflake, SnowflakeType, "snowflake");
  ASSERT_EQ(snowflake->columns.size(), kEventColumns.size() + 2);
  EXPECT_EQ(snowflake->columns[kEventColumns.size()].name, "source_file");
  const DdlColumn& part = snowflake->columns.back();
  EXPECT_EQ(part.name, kPartitionColumn);
  EXPECT_EQ(part.type, "DATE");
  // A virtual column computed from the file path that COPY records.
  EXPECT_NE(part.rest.find("SOURCE_FILE"), std::string::npos);
  EXPECT_NE(part.rest.find("INGEST_DATE="), std::string::npos);
  const std::string upper = Upper(sql);
  EXPECT_NE(upper.find("TYPE = PARQUET"), std::string::npos);
  EXPECT_NE(upper.find("CREATE STAGE"), std::string::npos);
  EXPECT_NE(upper.find("MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"), std::string::npos);
  EXPECT_NE(upper.find("METADATA$FILENAME"), std::string::npos);
}

TEST(DdlTest, WriterSchemaIsTheColumnList) {
  const parquet::Schema schema = EventParquetSchema();
  ASSERT_TRUE(schema.Validate().ok());
  ASSERT_EQ(schema.columns.size(), kEventColumns.size());
  for (size_t i = 0; i < kEventColumns.size(); ++i) {
    const parquet::Column& c = schema.columns[i];
    EXPECT_EQ(c.name, kEventColumns[i].name);
    EXPECT_EQ(!c.optional(), kEventColumns[i].required);
    switch (kEventColumns[i].type) {
      case ColumnType::kString:
        EXPECT_EQ(c.physical, parquet::PhysicalType::kByteArray);
        EXPECT_EQ(c.logical, parquet::LogicalType::kString);
        break;
      case ColumnType::kInt32:
        EXPECT_EQ(c.physical, parquet::PhysicalType::kInt32);
        EXPECT_EQ(c.logical, parquet::LogicalType::kInt32);
        break;
      case ColumnType::kTimestampMicros:
        EXPECT_EQ(c.physical, parquet::PhysicalType::kInt64);
        EXPECT_EQ(c.logical, parquet::LogicalType::kTimestampMicrosUtc);
        break;
    }
  }
}

}  // namespace
}  // namespace evpipe::jobs
