// The session feature as others see it: the sign-in gate and who is signed in.
export { SessionGate } from './SessionGate';
export { useCan, useSession } from './session-context';
