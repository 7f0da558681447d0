// The results charts of a run: its cells' distributions, and the cohort's cone density
// against eccentricity (roles that may read metrics).

const HISTOGRAM = /* GraphQL */ `fragment HistogramFields on Histogram { unit min binWidth counts total mean }`;

const RUN_DISTRIBUTIONS_DOC = /* GraphQL */ `query RunDistributions($id: ID!) {
  run(id: $id) { id cellDistributions(bins: 30) { nnd { ...HistogramFields } icd { ...HistogramFields } area { ...HistogramFields } } }
}`;
export const RUN_DISTRIBUTIONS_QUERY = RUN_DISTRIBUTIONS_DOC + HISTOGRAM;

/** Every stored cone density (the newest 500) with where its image was taken. */
export const COHORT_DENSITY_QUERY = /* GraphQL */ `query CohortDensity($tag: String) {
  metrics(first: 500, filter: { name: "cone_density", cohortTag: $tag }) {
    totalCount
    edges { node { id value unit ci95Low ci95High region run { id volume { id case { id eye eccentricityDeg subject { code } } } } } }
  }
}`;
