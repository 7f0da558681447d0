// Retinal layers of an OCT run in the viewer: one B-scan with the boundaries the layers step
// found and a labeler's corrections, the run's thickness maps and slabs, and the mutation
// that saves a corrected boundary as a version of the volume's layers label.

import type { BScanQuery, OctRunQuery } from '../generated';

export type BScanView = BScanQuery;
export type OctRun = NonNullable<OctRunQuery['run']>;
export type SlabView = OctRun['slabs'][number];

/** One B-scan (the plane y = bscan), its boundaries and their corrections, and the layers label's version. */
export const BSCAN_QUERY = /* GraphQL */ `query BScan($volume: ID!, $run: ID!, $bscan: Int!) {
  volume(id: $volume) {
    slice(axis: Y, index: $bscan) { index count width height umPerPxX umPerPxY png }
    layerCorrections(bscan: $bscan) { layer points { x z } }
    labels { id kind version state }
  }
  run(id: $run) { layers(bscan: $bscan) { layer z } }
}`;

/** What the main view can show of an OCT run: its slabs and thickness maps. */
export const OCT_RUN_QUERY = /* GraphQL */ `query OctRun($run: ID!) {
  run(id: $run) {
    id
    thicknessLayers
    slabs { name top bottom topOffsetPx bottomOffsetPx projection image { kind contentType downloadUrl } }
    volume { spacingUm { z } }
  }
}`;

export const THICKNESS_QUERY = /* GraphQL */ `query Thickness($run: ID!, $layer: String!) {
  run(id: $run) { thicknessMap(layer: $layer) { layer unit grid { cellPx cols rows values } } }
}`;

export const SAVE_LAYER_BOUNDARY_MUTATION = /* GraphQL */ `mutation SaveLayerBoundary($input: SaveLayerBoundaryInput!) {
  saveLayerBoundary(input: $input) { id kind version state history { version changes } }
}`;
