// The examples' reviewer ("rita"): polls the reviewer API for pending approvals, reads each masked prompt and
// approves it, as a person would in `sluice approvals` or the console. Attributes approvals to the running example.
export class Reviewer {
  constructor(url, token) {
    this.url = url;
    this.headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    this.current = undefined;
    this.approved = new Map();
    this.timer = undefined;
    this.busy = false;
  }

  attribute(example) {
    this.current = example;
  }

  approvedFor(example) {
    return this.approved.get(example) ?? [];
  }

  start() {
    this.timer = setInterval(() => void this.tick(), 250);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
  }

  async tick() {
    if (this.busy) return;
    this.busy = true;
    try {
      const res = await fetch(`${this.url}/sluice/approvals?status=pending`, { headers: this.headers });
      if (!res.ok) throw new Error(`GET /sluice/approvals: HTTP ${res.status} ${await res.text()}`);
      const { approvals } = await res.json();
      for (const a of approvals) await this.approve(a.id);
    } catch (err) {
      console.log(`   [reviewer] ${err.message}`);
    } finally {
      this.busy = false;
    }
  }

  async approve(id) {
    const show = await fetch(`${this.url}/sluice/approvals/${id}`, { headers: this.headers });
    const { approval } = await show.json();
    const excerpt = approval.prompt.text.replace(/\s+/g, ' ').slice(0, 160);
    console.log(`   [reviewer rita] approval ${id}: rule ${approval.rule}, ${approval.subject ?? approval.identity?.subject} (job ${approval.identity?.job ?? approval.job}, session ${approval.identity?.session ?? approval.session}) asks: "${excerpt}${approval.prompt.text.length > 160 ? '…' : ''}"`);
    const res = await fetch(`${this.url}/sluice/approvals/${id}/approve`, { method: 'POST', headers: this.headers, body: JSON.stringify({ comment: 'approved by the examples runner' }) });
    const body = await res.json();
    if (!res.ok) {
      console.log(`   [reviewer rita] approve ${id}: HTTP ${res.status} ${body.error?.code ?? ''}`);
      return;
    }
    console.log(`   [reviewer rita] approved ${id}`);
    const list = this.approved.get(this.current) ?? [];
    list.push(id);
    this.approved.set(this.current, list);
  }
}
