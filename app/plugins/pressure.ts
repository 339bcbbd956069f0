// 503 with Retry-After when the process is overloaded (@fastify/under-pressure); the central
// error handler gives it the APS error body so the controller's task log says why.
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';

export default fp(async (fastify) => {
  const { config } = fastify;
  await fastify.register(underPressure, {
    maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: config.MAX_HEAP_MB * 1024 * 1024,
    sampleInterval: 1000,
    retryAfter: 10,
  });
}, { name: 'pressure', dependencies: ['config'] });
