import { z } from 'zod';
import { ageColumn, conditionsSchema, customResourceSchema, defineCrd, readyColumn, reasonColumn, DNS_SUBDOMAIN } from './common.js';

/**
 * HiMarketConnection: one HiMarket server, the admin account the operator uses there, the Higress gateway
 * as registered in HiMarket and the portals products go to. Namespaced, so a team's credentials Secret and
 * the resources that publish through it live together (docs/adr/0007-himarket-connection.md).
 */

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export const credentialsRefSchema = z
  .object({
    name: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe("Secret name, in the connection's namespace."),
    usernameKey: z.string().min(1).max(253).regex(SECRET_KEY).default('username').describe('Key holding the user name.'),
    passwordKey: z.string().min(1).max(253).regex(SECRET_KEY).default('password').describe('Key holding the password.'),
  })
  .describe('A Secret with a user name and a password.');

export const himarketConnectionSpecSchema = z
  .object({
    server: z
      .url()
      .max(2048)
      .regex(/^https?:\/\/[^\s]+$/)
      .describe('HiMarket server base URL without the /api/v1 prefix, e.g. http://himarket-server.himarket.svc.'),
    credentialsSecretRef: credentialsRefSchema.describe('HiMarket administrator account (POST /admins/login).'),
    gateway: z
      .object({
        name: z.string().min(1).max(64).describe('gatewayName in HiMarket; registered when missing, found again by this name.'),
        consoleAddress: z.url().max(2048).describe('Higress console base URL as HiMarket reaches it (higressConfig.address).'),
        consoleCredentialsSecretRef: credentialsRefSchema.describe('Higress console account HiMarket logs in with.'),
        gatewayAddress: z.url().max(2048).optional().describe('Public URL of the Higress data plane shown to developers.'),
      })
      .describe('The Higress gateway as HiMarket knows it.'),
    portals: z
      .array(z.string().min(1).max(50))
      .min(1)
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .describe('Portal names; created in HiMarket when missing.'),
    pollSeconds: z.int().min(10).max(86400).default(300).describe('How often reachability and the gateway are checked again.'),
  })
  .describe('Desired state of a HiMarketConnection.');

export const portalStatusSchema = z.object({
  name: z.string().max(50),
  portalId: z.string().max(128).optional(),
  url: z.string().max(2048).optional().describe("The portal's default domain."),
});

export const himarketErrorStatusSchema = z.object({
  reason: z.string().max(128),
  httpStatus: z.int().min(0).max(999).optional(),
  code: z.string().max(64).optional().describe("HiMarket's error code, e.g. CONFLICT."),
  message: z.string().max(4096),
});

export const himarketConnectionStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional(),
    reachable: z.boolean().optional(),
    authenticated: z.boolean().optional(),
    gatewayId: z.string().max(128).optional(),
    portals: z.array(portalStatusSchema).max(16).optional(),
    lastError: himarketErrorStatusSchema.optional(),
    lastCheckTime: z.string().max(64).optional(),
    conditions: conditionsSchema(8),
  })
  .describe('Observed state of a HiMarketConnection.');

export const himarketConnectionSchema = customResourceSchema('HiMarketConnection', himarketConnectionSpecSchema, himarketConnectionStatusSchema);

export type HiMarketConnectionSpecIn = z.input<typeof himarketConnectionSpecSchema>;
export type HiMarketConnectionSpec = z.output<typeof himarketConnectionSpecSchema>;
export type HiMarketConnectionStatus = z.output<typeof himarketConnectionStatusSchema>;
export type HiMarketConnection = z.output<typeof himarketConnectionSchema>;

export const himarketConnectionCrd = defineCrd({
  kind: 'HiMarketConnection',
  plural: 'himarketconnections',
  singular: 'himarketconnection',
  shortNames: ['hmc'],
  description: 'HiMarketConnection names a HiMarket server, its admin account, the registered Higress gateway and portals.',
  spec: himarketConnectionSpecSchema,
  status: himarketConnectionStatusSchema,
  printerColumns: [
    { name: 'Server', type: 'string', jsonPath: '.spec.server' },
    readyColumn,
    reasonColumn(),
    { name: 'Gateway', type: 'string', jsonPath: '.status.gatewayId', priority: 1 },
    ageColumn,
  ],
});
