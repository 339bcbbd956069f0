// The services that map APS resources to OX, as the `apsServices` decorator the APS routes use.
import { groupService } from '../resources/groups/service.js';
import { bookableService } from '../resources/bookable/service.js';
import { sharedMailboxService } from '../resources/shared-mailboxes/service.js';
import fp from 'fastify-plugin';
import type { ResourceServices } from '../aps/types.js';
import { enqueueJob } from '../aps/async-protocol.js';
import { storedCall } from '../aps/dispatch.js';
import { appService } from '../resources/app/service.js';
import { contextService } from '../resources/contexts/service.js';
import { mailboxService } from '../resources/mailboxes/service.js';
import { mobilityService } from '../resources/mobility/service.js';
import { profileService } from '../resources/profiles/service.js';
import type { ServiceDeps } from '../resources/shared/deps.js';
import { oxServerOf } from '../resources/shared/instance-settings.js';
import type { InstanceRecord } from '../store/ledger.js';

export default fp(
  async (fastify) => {
    const deps: ServiceDeps = {
      ledger: fastify.ledger,
      ox: fastify.ox,
      controllers: fastify.controllers,
      config: fastify.config,
      schemas: fastify.apsSchemas,
      sso: fastify.sso,
      log: fastify.log.child({ component: 'ox-trace' }),
      jobs: {
        enqueue: ({ key, delayMs, ...call }) =>
          enqueueJob(
            fastify.ledger,
            key,
            call.instanceId,
            call.resourceId,
            storedCall(call),
            fastify.config.JOB_DEADLINE,
            delayMs,
          ),
      },
    };
    const services: ResourceServices = {
      app: appService(deps),
      contexts: contextService(deps),
      profiles: profileService(deps),
      mailboxes: mailboxService(deps),
      mobility: mobilityService(deps),
      groups: groupService(deps),
      resources: bookableService(deps),
      'shared-mailboxes': sharedMailboxService(deps),
    };
    fastify.decorate('apsServices', services);
    fastify.decorate('serviceDeps', deps);
    // Background jobs are bounded per OX server: instances that share an OX share its budget.
    fastify.decorate('jobLane', (instance: InstanceRecord) => oxServerOf(instance) ?? instance.id);
  },
  { name: 'aps-services', dependencies: ['ledger', 'ox', 'controllers', 'config', 'aps-schemas', 'sso'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    apsServices: ResourceServices;
    serviceDeps: ServiceDeps;
    jobLane: (instance: InstanceRecord) => string;
  }
}
