export type KbdJoin = 'plus' | 'then' | 'or';

const JOIN_TEXT: Record<KbdJoin, string> = { plus: '+', then: 'then', or: '/' };

/**
 * Kbd renders keys as keycaps: a chord (Ctrl + B), a sequence (G then C), or
 * alternatives (↑ / ↓).
 */
export function Kbd({ keys, join = 'plus' }: { keys: readonly string[]; join?: KbdJoin }) {
  return (
    <span className="kbd-chord">
      {keys.map((k, i) => (
        <span key={`${k}-${i}`} className="kbd-chord__part">
          {i > 0 && <span className="kbd-chord__sep">{JOIN_TEXT[join]}</span>}
          <kbd className="kbd">{k}</kbd>
        </span>
      ))}
    </span>
  );
}
