// Placeholder replaced below.
export function renderRagReport(report: Record<string, unknown>): string {
  return `# RAG evaluation\n\n\`\`\`json\n${JSON.stringify(report, null, 2)}\n\`\`\`\n`;
}
