import { useEffect, useState } from 'react';
import { Dialog } from '../../components/ui/Dialog';
import { errorText, request } from '../../graphql/client';
import type { VersionQuery } from '../../graphql/generated';
import { VERSION_QUERY } from '../../graphql/operations/version';

type ServerBuild = { state: 'loading' } | { state: 'ok'; build: VersionQuery['version'] } | { state: 'error'; message: string };

/** AboutDialog names the application, the SPA's version and the server's build. */
export function AboutDialog({ version, onClose }: { version: string; onClose(): void }) {
  const [server, setServer] = useState<ServerBuild>({ state: 'loading' });

  useEffect(() => {
    const ctrl = new AbortController();
    request<VersionQuery>(VERSION_QUERY, undefined, { signal: ctrl.signal }).then(
      (d) => setServer({ state: 'ok', build: d.version }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setServer({ state: 'error', message: errorText(err) });
      },
    );
    return () => ctrl.abort();
  }, []);

  return (
    <Dialog title="About aomas" onClose={onClose} className="about-dialog">
      <p className="about-dialog__name">AO-OCT Microstructure Analytics System</p>
      <dl className="about-dialog__facts">
        <dt>Web app</dt>
        <dd>{version}</dd>
        <dt>Server</dt>
        <dd data-testid="about-server">
          {server.state === 'loading' && '…'}
          {server.state === 'error' && <span className="about-dialog__error">unavailable ({server.message})</span>}
          {server.state === 'ok' && (
            <>
              {server.build.version}{' '}
              <span className="about-dialog__muted">
                ({server.build.commit.slice(0, 12)}, {server.build.goVersion})
              </span>
            </>
          )}
        </dd>
        <dt>API</dt>
        <dd>
          <code>/graphql</code> (HTTP and graphql-transport-ws)
        </dd>
      </dl>
      <p className="about-dialog__note">
        Cleans adaptive-optics OCT volumes, finds cone photoreceptors, capillaries and nerve-fibre
        bundles, and measures them with honest uncertainty.
      </p>
    </Dialog>
  );
}
