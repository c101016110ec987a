import { condition } from './common.ts';
import type { JsonObject, KindSource } from './schema.ts';
import { has } from './schema.ts';

export const configurationState: KindSource = {
  kind: 'ConfigurationState',
  plural: 'configurationstates',
  singular: 'configurationstate',
  description:
    'Whether the configuration a component (the controller, or the speaker of one node) last loaded is valid. Status only.',
  printerColumns: [
    { name: 'Result', type: 'string', jsonPath: '.status.result' },
    { name: 'Summary', type: 'string', jsonPath: '.status.errorSummary' },
  ],
  specRequired: false,
  status: {
    type: 'object',
    title: 'ConfigurationStateStatus',
    description: 'The validation result, written by the component it describes.',
    properties: {
      result: {
        type: 'string',
        title: 'ConfigurationResult',
        description: 'Valid, Invalid (a condition is False with reason ConfigurationError), or Unknown (no conditions).',
        enum: ['Valid', 'Invalid', 'Unknown'],
      },
      errorSummary: {
        type: 'string',
        description: 'The errors of the failing conditions, joined. Empty when result is Valid.',
        maxLength: 32768,
      },
      conditions: {
        type: 'array',
        description: "One condition per reconciler of the component, keyed by type.",
        maxItems: 32,
        items: condition,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      },
    },
    'x-kubernetes-validations': [
      {
        rule: "!has(self.result) || self.result != 'Valid' || !has(self.errorSummary) || self.errorSummary == ''",
        message: 'errorSummary must be empty when result is Valid',
        fieldPath: '.errorSummary',
        check: (self: JsonObject) => self.result !== 'Valid' || !has(self, 'errorSummary') || self.errorSummary === '',
      },
    ],
  },
};
