// The pipeline's backlog in the status bar, for the roles that may read the queues.
import { useEffect, useState } from 'react';
import { useMay } from '../../features/session';
import { request } from '../../graphql/client';
import type { QueueDepthQuery } from '../../graphql/generated';
import { QUEUE_DEPTH_QUERY } from '../../graphql/operations/queues';

const EVERY_MS = 5_000;

export function QueueDepth() {
  const allowed = useMay('Query.queues', false);
  const [depth, setDepth] = useState<{ pending: number; active: number } | null>(null);
  useEffect(() => {
    if (!allowed) return;
    let stop = false;
    const poll = () =>
      request<QueueDepthQuery>(QUEUE_DEPTH_QUERY)
        .then((d) => {
          if (!stop)
            setDepth(d.queues.reduce((a, q) => ({ pending: a.pending + q.pending, active: a.active + q.active }), { pending: 0, active: 0 }));
        })
        .catch(() => !stop && setDepth(null));
    void poll();
    const id = window.setInterval(() => void poll(), EVERY_MS);
    return () => {
      stop = true;
      window.clearInterval(id);
    };
  }, [allowed]);
  if (!allowed || !depth) return null;
  return (
    <span className="statusbar__item statusbar__item--muted" data-testid="status-queue" title="Pipeline steps waiting and running, every queue">
      queue {depth.pending} waiting · {depth.active} running
    </span>
  );
}
