import { describe, expect, it } from 'vitest';
import { savedLayout } from './DockLayout';

describe('savedLayout', () => {
  const layout = { grid: {}, panels: { image: {}, metrics: {}, label: {} } };

  it('restores a layout that holds exactly the page panels', () => {
    expect(savedLayout(JSON.stringify(layout), ['label', 'image', 'metrics'])).toEqual(layout);
  });

  it('starts afresh when the page gained or lost a panel, or the stored text is not a layout', () => {
    expect(savedLayout(JSON.stringify(layout), ['image', 'metrics'])).toBeNull();
    expect(savedLayout(JSON.stringify(layout), ['image', 'metrics', 'label', 'slices'])).toBeNull();
    expect(savedLayout(JSON.stringify(layout), ['image', 'metrics', 'results'])).toBeNull();
    expect(savedLayout('{not json', ['image'])).toBeNull();
    expect(savedLayout('null', ['image'])).toBeNull();
    expect(savedLayout(null, ['image'])).toBeNull();
  });
});
