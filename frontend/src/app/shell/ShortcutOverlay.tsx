import { Dialog } from '../../components/ui/Dialog';
import { Kbd } from '../../components/ui/Kbd';
import { SHORTCUT_GROUPS } from '../shortcuts';

/** ShortcutOverlay lists every keyboard shortcut (Help ▸ Keyboard shortcuts, or ?). */
export function ShortcutOverlay({ onClose }: { onClose(): void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose} className="shortcut-overlay">
      <div className="shortcut-overlay__groups" data-testid="shortcut-overlay">
        {SHORTCUT_GROUPS.map((g) => (
          <section key={g.title} className="shortcut-overlay__group">
            <h3>{g.title}</h3>
            <table>
              <tbody>
                {g.shortcuts.map((s) => (
                  <tr key={s.description}>
                    <td>{s.description}</td>
                    <td className="shortcut-overlay__keys">
                      <Kbd keys={s.keys} join={s.join} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
