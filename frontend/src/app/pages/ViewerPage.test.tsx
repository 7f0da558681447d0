import { act, fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_MARKS, DEMO_SIZE, demoCones } from '../../features/viewer';
import { ViewerPage } from './ViewerPage';

/** emptySpot is a point of the demo image with no cone within r pixels. */
function emptySpot(r: number): { x: number; y: number } {
  const c = demoCones(DEMO_SIZE, DEMO_MARKS, 1);
  for (let y = 20; y < 400; y += 1) {
    for (let x = 20; x < 400; x += 1) {
      let clear = true;
      for (let i = 0; i < c.count && clear; i++) {
        if (Math.hypot(c.xy[2 * i]! - x, c.xy[2 * i + 1]! - y) <= r) clear = false;
      }
      if (clear) return { x, y };
    }
  }
  throw new Error('no empty spot');
}

beforeEach(() => {
  // jsdom has no 2D canvas: the page must still work (it draws nothing).
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});

async function open() {
  render(<ViewerPage />);
  return screen.findByTestId('demo-badge', {}, { timeout: 15_000 });
}

describe('ViewerPage', () => {
  it('labels the demo mosaic and counts its 50,000 marks', async () => {
    const badge = await open();
    expect(badge).toHaveTextContent('demo mosaic · synthetic 4096×4096 · 50,000 marks');
    expect(screen.getByTestId('viewer-counts')).toHaveTextContent('48,000 model · 2,000 human');
    expect(screen.getByTestId('viewer-tool')).toHaveTextContent('Pan');
  });

  it('switches tools from the keyboard and the toolbar', async () => {
    await open();
    const user = userEvent.setup();
    await user.keyboard('p');
    expect(screen.getByTestId('viewer-tool')).toHaveTextContent('Cone mark');
    expect(screen.getByRole('button', { name: /Cone mark/ })).toHaveAttribute('aria-pressed', 'true');
    await user.click(screen.getByRole('button', { name: /Select/ }));
    expect(screen.getByTestId('viewer-tool')).toHaveTextContent('Select');
    // "g" then a letter belongs to the shell's go-to shortcuts, not to the tools.
    await user.keyboard('gb');
    expect(screen.getByTestId('viewer-tool')).toHaveTextContent('Select');
  });

  it('adds a mark with the pointer, and undoes and redoes it with Ctrl+Z / Ctrl+Shift+Z', async () => {
    await open();
    const user = userEvent.setup();
    await user.keyboard('p');
    const canvas = screen.getByTestId('viewer-canvas');
    // The viewport is 0×0 under jsdom, so the view is the identity: screen = image pixels.
    const { x, y } = emptySpot(9);
    act(() => {
      fireEvent.pointerDown(canvas, { clientX: x, clientY: y, button: 0, pointerId: 1 });
      fireEvent.pointerUp(canvas, { clientX: x, clientY: y, button: 0, pointerId: 1 });
    });
    expect(screen.getByTestId('viewer-counts')).toHaveTextContent('48,000 model · 2,001 human');
    expect(screen.getByTestId('viewer-history')).toHaveTextContent('history 1/1 · last: Add mark');
    await user.keyboard('{Control>}z{/Control}');
    expect(screen.getByTestId('viewer-counts')).toHaveTextContent('2,000 human');
    await user.keyboard('{Control>}{Shift>}Z{/Shift}{/Control}');
    expect(screen.getByTestId('viewer-counts')).toHaveTextContent('2,001 human');
    // Undo dropped it from the selection; a click on it selects it again, Delete removes it.
    act(() => {
      fireEvent.pointerDown(canvas, { clientX: x + 1, clientY: y, button: 0, pointerId: 1 });
      fireEvent.pointerUp(canvas, { clientX: x + 1, clientY: y, button: 0, pointerId: 1 });
    });
    expect(screen.getByTestId('viewer-selection')).toHaveTextContent('1 selected');
    await user.keyboard('{Delete}');
    expect(screen.getByTestId('viewer-counts')).toHaveTextContent('2,000 human');
  });

  it('shows cone density with a confidence interval, and toggles the density map with D', async () => {
    await open();
    // 50,000 marks over (4096 × 0.5 µm)² = 4.194 mm².
    expect(screen.getByTestId('density-whole')).toHaveTextContent(/^11,921 \/mm² \(95% CI 11,816–12,025; n=50,000\)$/);
    const user = userEvent.setup();
    // The layer boxes live in the Layers menu (closed: hidden, but they keep their state).
    const box = screen.getByRole('checkbox', { name: 'Density (D)', hidden: true });
    expect(box).not.toBeChecked();
    await user.keyboard('d');
    expect(box).toBeChecked();
    // Its colour scale shows, in cones/mm².
    expect(screen.getByTestId('legend-density')).toHaveTextContent('cones/mm²');
    await user.click(screen.getByRole('button', { name: /Layers/ }));
    expect(screen.getByRole('checkbox', { name: 'Density (D)' })).toBeChecked();
  });

  it('measures the Voronoi cells of the marks when O shows them', async () => {
    await open();
    const user = userEvent.setup();
    expect(screen.queryByTestId('voronoi-summary')).toBeNull();
    await user.keyboard('o');
    expect(screen.getByRole('checkbox', { name: 'Voronoi (O)', hidden: true })).toBeChecked();
    const whole = await screen.findByTestId('voronoi-whole', {}, { timeout: 10_000 });
    const m = whole.textContent!.match(/^([\d.]+)% six-sided · mean area ([\d.]+) µm² \(n=([\d,]+)\)$/);
    expect(m, whole.textContent!).not.toBeNull();
    // The demo mosaic is a jittered triangular lattice: mostly six-sided cells, and the inner
    // cells' mean area is the image area per mark (4.194 mm² / 50,000 = 83.9 µm²).
    expect(Number(m![1])).toBeGreaterThan(50);
    expect(Number(m![2])).toBeGreaterThan(80);
    expect(Number(m![2])).toBeLessThan(88);
    expect(Number(m![3]!.replace(/,/g, ''))).toBeGreaterThan(49_000);
    await user.keyboard('o');
    expect(screen.queryByTestId('voronoi-summary')).toBeNull();
  });

  it('shows the nerve-fibre orientation with F', async () => {
    await open();
    const user = userEvent.setup();
    const box = screen.getByRole('checkbox', { name: 'Nerve fibres (F)', hidden: true });
    expect(box).not.toBeChecked();
    await user.keyboard('f');
    expect(box).toBeChecked();
    expect(screen.getByTestId('legend-fibres')).toHaveTextContent('coherence');
    await user.keyboard('f');
    expect(box).not.toBeChecked();
  });

  it('steps through uncertain regions with N', async () => {
    await open();
    const user = userEvent.setup();
    await user.keyboard('n');
    expect(screen.getByTestId('viewer-region')).toHaveTextContent('uncertain region 1/256');
    // The region it moved to is outlined: its extent (a 4×4-cell block of 64 px) is on the stage.
    const [x0, y0, x1, y1] = document.querySelector<HTMLElement>('.viewer__stage')!.dataset.region!.split(',').map(Number);
    expect([x1! - x0!, y1! - y0!]).toEqual([256, 256]);
    await user.keyboard('n');
    expect(screen.getByTestId('viewer-region')).toHaveTextContent('uncertain region 2/256');
  });
});
