// The annotation feature as other features see it: the framework-free engine (document,
// editor, metrics) and the layers that draw it on the viewer's canvas.
export { densityGrid, densityIn } from './engine/density';
export { AnnotationDocument } from './engine/document';
export { Editor, TOOL_LABELS, type ToolId } from './engine/editor';
export { deserialize, serialize } from './engine/serialize';
export { clipRegion, UncertaintyNavigator, type UncertainRegion } from './engine/uncertainty';
export { SIDE_CLASSES, summarise, voronoiCells, type VoronoiSummary } from './engine/voronoi';
export { AnnotationLayer, MARK_COLORS, type LayerVisibility } from './render';
export { SIDE_COLORS, VoronoiLayer } from './voronoiLayer';
export { diffMarks, type MarkDiff } from './engine/diff';
export { DIFF_COLORS, rectPoints, ReviewLayer, type ReviewShape } from './reviewLayer';
