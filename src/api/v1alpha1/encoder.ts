import { z } from 'zod';
import { withCel } from '../crd.js';
import { DNS_SUBDOMAIN } from './common.js';

/**
 * Where an in-process sentence encoder's files (model.onnx + tokenizer.json) come from in a cluster: the image
 * ships no model (a registry package's weights are not ours to bake in, and a multilingual one is the user's
 * choice: ADR 0005), so the runtime mounts them read-only from a volume the cluster already has. Used by a
 * SemanticRouter's spec.cache.encoder and a RagPipeline's spec.embedding.encoder. An `image` volume needs the
 * ImageVolume feature gate: beta and on by default from 1.35 (kubernetes pkg/features/kube_features.go); with it
 * off the API server drops the source and refuses the Deployment, which the resource's status reports.
 */
export const encoderVolumeSchema = withCel(
  z.object({
    persistentVolumeClaim: z
      .object({ claimName: z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe("PersistentVolumeClaim in the resource's namespace.") })
      .optional()
      .describe('A claim holding the files (mounted read-only, so ReadOnlyMany or one node).'),
    image: z
      .object({
        reference: z.string().min(1).max(1024).describe('OCI image or artifact with the files (feature gate ImageVolume: on by default from Kubernetes 1.35).'),
        pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
      })
      .optional()
      .describe('An OCI image volume holding the files.'),
    // RE2 (the API server's regexp) has no lookahead: the pattern keeps the path relative, the rule keeps it inside.
    path: withCel(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^[-_a-zA-Z0-9][-._a-zA-Z0-9/]*$/)
        .refine((p) => !/(^|\/)\.\.(\/|$)/.test(p), { message: 'must stay inside the volume: no ".." segment' }),
      [{ rule: "!self.matches('(^|/)[.][.](/|$)')", message: 'must stay inside the volume: no ".." segment', reason: 'FieldValueInvalid' }],
    )
      .optional()
      .describe(
        'Directory inside the volume with model.onnx and tokenizer.json (a WordPiece one), and 1_Pooling/config.json when the model pools its [CLS] token (relative, no ".."); default its root.',
      ),
  }),
  [
    {
      rule: '[has(self.persistentVolumeClaim), has(self.image)].filter(x, x).size() == 1',
      message: 'set exactly one of persistentVolumeClaim and image',
      reason: 'FieldValueInvalid',
    },
  ],
).refine((e) => [e.persistentVolumeClaim, e.image].filter((x) => x !== undefined).length === 1, {
  message: 'set exactly one of persistentVolumeClaim and image',
});

export type EncoderVolume = z.output<typeof encoderVolumeSchema>;
