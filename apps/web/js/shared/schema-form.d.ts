// Types of schema-form.js for the orchestrator, which imports it (the approval page).
import type { TreeNode } from './tree.js';
type Schema = Record<string, any>;
export declare function formProperties(form: unknown): { properties: Array<[string, Schema]>; required: Set<string> };
export declare function fieldName(property: string): string;
export declare function fieldId(idPrefix: string, property: string): string;
export declare function formTree(form: unknown, options?: { values?: Record<string, string>; idPrefix?: string }): TreeNode[];
export declare function formData(form: unknown, fields: Record<string, string | undefined>): Record<string, unknown>;
