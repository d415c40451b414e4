// The SQLite catalog rows, with one transaction per update.
#include "evpipe/iceberg/sqlite_catalog.h"

#include <sqlite3.h>

#include <memory>
#include <optional>

#include <fmt/core.h>

namespace evpipe::iceberg {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Status Error(sqlite3* db, const std::string& path, std::string_view what) {
  return Status::IoError(fmt::format("iceberg catalog {}: {}: {}", path, what, sqlite3_errmsg(db)));
}

Result<Db> Open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return Error(db.get(), path, "open");
  sqlite3_busy_timeout(db.get(), 10000);
  return db;
}

Status Exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "error";
    sqlite3_free(err);
    return Status::IoError(fmt::format("iceberg catalog {}: {}", path, msg));
  }
  return Status::Ok();
}

Result<Stmt> Prepare(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) return Error(db, path, "prepare");
  return Stmt(raw);
}

void Bind(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

bool HasColumn(sqlite3* db, const char* table, const char* column) {
  sqlite3_stmt* raw = nullptr;
  const std::string sql = fmt::format("PRAGMA table_info({})", table);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return false;
  Stmt s(raw);
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1));
    if (name != nullptr && std::string_view(name) == column) return true;
  }
  return false;
}

// The tables as JdbcCatalog (schema V1) creates them; pyiceberg's are the same.
constexpr const char* kCreate =
    "CREATE TABLE IF NOT EXISTS iceberg_tables ("
    "catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, table_name VARCHAR(255) NOT NULL, "
    "metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000), iceberg_type VARCHAR(5), "
    "PRIMARY KEY (catalog_name, table_namespace, table_name));"
    "CREATE TABLE IF NOT EXISTS iceberg_namespace_properties ("
    "catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL, property_key VARCHAR(255), "
    "property_value VARCHAR(1000), PRIMARY KEY (catalog_name, namespace, property_key));";

Result<std::optional<std::string>> Current(sqlite3* db, const CatalogTarget& t, std::string_view table) {
  EVPIPE_ASSIGN_OR_RETURN(Stmt s, Prepare(db, t.db_path,
      "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?"));
  Bind(s.get(), 1, t.catalog_name);
  Bind(s.get(), 2, t.namespace_name);
  Bind(s.get(), 3, table);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Error(db, t.db_path, "select");
  const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
  return std::optional<std::string>(v != nullptr ? v : "");
}

}  // namespace

Result<std::string> ParseSqliteCatalogUri(std::string_view uri) {
  // SQLAlchemy's form, so that the same string works in pyiceberg's SqlCatalog:
  // sqlite:///relative/path.db, sqlite:////absolute/path.db.
  constexpr std::string_view kPrefix = "sqlite:///";
  if (uri.substr(0, kPrefix.size()) != kPrefix || uri.size() == kPrefix.size()) {
    return Status::InvalidArgument(fmt::format(
        "bad ICEBERG_CATALOG '{}': expected sqlite:///relative/catalog.db or sqlite:////absolute/catalog.db", uri));
  }
  return std::string(uri.substr(kPrefix.size()));
}

Status RegisterTable(const CatalogTarget& t, std::string_view table, std::string_view table_location_uri,
                     std::string_view metadata_uri) {
  EVPIPE_ASSIGN_OR_RETURN(Db db, Open(t.db_path));
  EVPIPE_RETURN_IF_ERROR(Exec(db.get(), t.db_path, kCreate));
  EVPIPE_RETURN_IF_ERROR(Exec(db.get(), t.db_path, "BEGIN IMMEDIATE"));
  auto body = [&]() -> Status {
    EVPIPE_ASSIGN_OR_RETURN(std::optional<std::string> cur, Current(db.get(), t, table));
    if (cur && *cur == metadata_uri) return Status::Ok();
    const std::string ours = std::string(table_location_uri) + "/metadata/";
    if (cur && cur->compare(0, ours.size(), ours) != 0) {
      return Status::AlreadyExists(fmt::format(
          "iceberg catalog {}: {}.{}.{} already names another table ({}); evpipe leaves it alone", t.db_path,
          t.catalog_name, t.namespace_name, table, *cur));
    }
    EVPIPE_ASSIGN_OR_RETURN(Stmt ns, Prepare(db.get(), t.db_path,
        "INSERT OR IGNORE INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value) "
        "VALUES (?, ?, 'exists', 'true')"));
    Bind(ns.get(), 1, t.catalog_name);
    Bind(ns.get(), 2, t.namespace_name);
    if (sqlite3_step(ns.get()) != SQLITE_DONE) return Error(db.get(), t.db_path, "insert namespace");
    const bool typed = HasColumn(db.get(), "iceberg_tables", "iceberg_type");
    const char* sql;
    if (cur) {
      sql = "UPDATE iceberg_tables SET metadata_location = ?4, previous_metadata_location = ?5 "
            "WHERE catalog_name = ?1 AND table_namespace = ?2 AND table_name = ?3";
    } else if (typed) {
      sql = "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, "
            "previous_metadata_location, iceberg_type) VALUES (?1, ?2, ?3, ?4, NULL, 'TABLE')";
    } else {
      sql = "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, "
            "previous_metadata_location) VALUES (?1, ?2, ?3, ?4, NULL)";
    }
    EVPIPE_ASSIGN_OR_RETURN(Stmt s, Prepare(db.get(), t.db_path, sql));
    Bind(s.get(), 1, t.catalog_name);
    Bind(s.get(), 2, t.namespace_name);
    Bind(s.get(), 3, table);
    Bind(s.get(), 4, metadata_uri);
    if (cur) Bind(s.get(), 5, *cur);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return Error(db.get(), t.db_path, "write the table row");
    return Status::Ok();
  };
  Status s = body();
  if (!s.ok()) {
    (void)Exec(db.get(), t.db_path, "ROLLBACK");
    return s;
  }
  return Exec(db.get(), t.db_path, "COMMIT");
}

Result<std::string> LookupTable(const CatalogTarget& t, std::string_view table) {
  EVPIPE_ASSIGN_OR_RETURN(Db db, Open(t.db_path));
  EVPIPE_RETURN_IF_ERROR(Exec(db.get(), t.db_path, kCreate));
  EVPIPE_ASSIGN_OR_RETURN(std::optional<std::string> cur, Current(db.get(), t, table));
  if (!cur) return Status::NotFound(fmt::format("{}.{}.{} is not in {}", t.catalog_name, t.namespace_name, table, t.db_path));
  return *cur;
}

}  // namespace evpipe::iceberg
