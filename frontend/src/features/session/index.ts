// The session feature as others see it: the sign-in gate and who is signed in.
export { SessionGate } from './SessionGate';
export { SessionContext, useCan, useMay, useSession } from './session-context';
