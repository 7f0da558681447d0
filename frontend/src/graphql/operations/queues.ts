// The pipeline's backlog, as the status bar polls it.

export const QUEUE_DEPTH_QUERY = /* GraphQL */ `query QueueDepth { queues { name pending active } }`;
