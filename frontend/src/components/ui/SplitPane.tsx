// A main area with a docked side panel the user can resize (drag or arrow keys on the
// separator) or collapse; the layout is remembered per place (localStorage).
import type { ReactNode } from 'react';
import { Group, Panel, Separator, useDefaultLayout } from 'react-resizable-panels';

interface Props {
  /** id names the layout to remember ("viewer", "cases"). */
  id: string;
  main: ReactNode;
  /** side null shows the main area alone (it stays mounted when the side comes and goes). */
  side: ReactNode | null;
  /** sideSize is the side panel's first width in px. */
  sideSize?: number;
  minSide?: number;
  sideLabel: string;
}

export function SplitPane({ id, main, side, sideSize = 340, minSide = 220, sideLabel }: Props) {
  const { defaultLayout, onLayoutChanged } = useDefaultLayout({
    id: `aomas.layout.${id}`,
    storage: localStorage,
    panelIds: side === null ? ['main'] : ['main', 'side'],
  });
  return (
    <Group orientation="horizontal" id={id} className="split" defaultLayout={defaultLayout} onLayoutChanged={onLayoutChanged}>
      <Panel id="main" minSize={320} className="split__main">
        {main}
      </Panel>
      {side !== null && <Separator className="split__handle" aria-label={`Resize ${sideLabel}`} />}
      {side !== null && (
        <Panel
          id="side"
          defaultSize={sideSize}
          minSize={minSide}
          collapsible
          collapsedSize={0}
          groupResizeBehavior="preserve-pixel-size"
          className="split__side"
        >
          <div aria-label={sideLabel} className="split__side-body">
            {side}
          </div>
        </Panel>
      )}
    </Group>
  );
}
