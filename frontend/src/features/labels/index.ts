// The labels feature as others see it: a volume opened for labelling.
export { VolumeWorkspace } from './VolumeWorkspace';
