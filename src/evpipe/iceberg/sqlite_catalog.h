// Registering a file-system table in a SQLite catalog with the schema that
// Iceberg's JdbcCatalog and pyiceberg's SqlCatalog share (tables
// iceberg_tables and iceberg_namespace_properties), so that Spark SQL
// (type=jdbc) and pyiceberg find the table by name.
#pragma once

#include <string>
#include <string_view>

#include "evpipe/core/status.h"

namespace evpipe::iceberg {

inline constexpr std::string_view kDefaultCatalogName = "evpipe";
inline constexpr std::string_view kDefaultNamespace = "default";

struct CatalogTarget {
  std::string db_path;  // the SQLite file
  std::string catalog_name = std::string(kDefaultCatalogName);
  std::string namespace_name = std::string(kDefaultNamespace);
};

// SQLAlchemy's sqlite URI -> the file path: "sqlite:///rel/catalog.db" ->
// "rel/catalog.db", "sqlite:////abs/catalog.db" -> "/abs/catalog.db";
// InvalidArgument for anything else.
Result<std::string> ParseSqliteCatalogUri(std::string_view uri);

// Points catalog.namespace.table at `metadata_uri` (creating the catalog
// tables, the namespace and the row when missing; the old location becomes
// previous_metadata_location). A row that points at another table's metadata
// (outside `table_location`) is never changed: AlreadyExists, one line.
Status RegisterTable(const CatalogTarget& target, std::string_view table, std::string_view table_location_uri,
                     std::string_view metadata_uri);

// The metadata_location of catalog.namespace.table; NotFound when absent.
Result<std::string> LookupTable(const CatalogTarget& target, std::string_view table);

}  // namespace evpipe::iceberg
