// The viewer feature as others see it: the workspace (canvas, tools, layers, metrics), the
// layers a workspace kit is made of, and the demo mosaic.
export { DEMO_MARKS, DEMO_SIZE, DemoViewer } from './DemoViewer';
export { demoCones } from './demoMosaic';
export { HeatmapLayer } from './heatmapLayer';
export type { CanvasLayer, ImagePointer, ImageSource, PointerPhase } from './ImageCanvas';
export { OrientationLayer } from './orientationLayer';
export { Workspace, type WorkspaceKit } from './Workspace';
export {
  drawBoundaries,
  fitBScan,
  hitControlPoint,
  insertControlPoint,
  LAYER_COLORS,
  LAYER_NAMES,
  moveControlPoint,
  removeControlPoint,
  sameBoundary,
  seedControlPoints,
  toImage,
  toScreen,
  type BoundaryPoint,
  type Fit,
  type LayerName,
} from './bscan';
export { BScanLineLayer } from './bscanLineLayer';
export { HeatLegend } from './Workspace';
