// The Viewer page: a volume opened for labelling (#/viewer/<volume id>, features/labels), or
// else the demo mosaic (features/viewer).
import { useEffect, useState } from 'react';
import { VolumeWorkspace } from '../../features/labels';
import { DemoViewer } from '../../features/viewer';

/** volumeIdFromHash reads #/viewer/<volume id>. */
function volumeIdFromHash(): string | null {
  const m = window.location.hash.match(/^#\/viewer\/([^/?]+)/);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function ViewerPage() {
  const [volumeId, setVolumeId] = useState<string | null>(volumeIdFromHash);
  useEffect(() => {
    const on = () => setVolumeId(volumeIdFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  if (volumeId) return <VolumeWorkspace key={volumeId} volumeId={volumeId} />;
  return <DemoViewer />;
}
