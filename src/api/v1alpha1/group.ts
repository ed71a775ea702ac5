/** API group and version shared by every kind of this operator. */
export const API_GROUP = 'ai.higress.io';
export const API_VERSION = 'v1alpha1';
export const CATEGORIES = ['ai', 'higress'] as const;
