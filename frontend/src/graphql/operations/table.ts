// The analyst's wide table and its CSV (names.graphqls); types are generated.
import type { MetricTableQuery } from '../generated';

/** MetricTableData is one page of the wide table. */
export type MetricTableData = MetricTableQuery['metricTable'];

export const METRIC_TABLE_QUERY = /* GraphQL */ `query MetricTable($first: Int, $filter: MetricTableFilter) {
  metricTable(first: $first, filter: $filter) {
    totalCount
    metricNames
    rows {
      run { id volume { id case { id } } }
      subjectCode eye eccentricityDeg acquiredOn tags filename modality modelVersion
      values { value unit ci95Low ci95High }
    }
  }
}`;

export const METRIC_TABLE_CSV_QUERY = /* GraphQL */ `query MetricTableCsv($filter: MetricTableFilter) { metricTableCsv(filter: $filter) }`;

export const METRIC_CATALOG_QUERY = /* GraphQL */ `query MetricCatalog { metricCatalog { name unit description } }`;
