// The console's progressive enhancement: every page works without it (forms post, the server
// asks for confirmation on a page of its own); with it: a live notes counter, select-all, a
// confirmation dialog, the bulk button naming how many, and live import progress.
'use strict';

/** Characters as people (and the server) count them: one per code point. */
const characters = (text) => [...text.replace(/\r\n/g, '\n')].length;

function notesCounters() {
  for (const area of document.querySelectorAll('textarea[data-max]')) {
    const counter = document.getElementById(area.dataset.counter);
    const max = Number(area.dataset.max);
    const update = () => {
      const n = characters(area.value);
      counter.textContent = n > max ? `${n} / ${max} characters: ${n - max} too many` : `${n} / ${max} characters`;
      counter.classList.toggle('over', n > max);
    };
    area.addEventListener('input', update);
    update();
  }
}

/** A modal question; resolves true when confirmed. Focus returns to where it was. */
function ask(message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.setAttribute('aria-labelledby', 'dialog-text');
    const text = document.createElement('p');
    text.id = 'dialog-text';
    text.textContent = message;
    const buttons = document.createElement('div');
    buttons.className = 'buttons';
    const yes = document.createElement('button');
    yes.textContent = confirmLabel;
    const no = document.createElement('button');
    no.textContent = 'Cancel';
    no.className = 'secondary';
    buttons.append(yes, no);
    dialog.append(text, buttons);
    document.body.append(dialog);
    const before = document.activeElement;
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      if (before) before.focus();
      resolve(answer);
    };
    yes.addEventListener('click', () => close(true));
    no.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', (event) => { event.preventDefault(); close(false); });
    dialog.showModal();
    no.focus();
  });
}

function confirmations() {
  for (const button of document.querySelectorAll('button[data-confirm]')) {
    button.addEventListener('click', async (event) => {
      if (button.dataset.confirmed) return;
      event.preventDefault();
      if (await ask(button.dataset.confirm, button.textContent.trim())) {
        button.dataset.confirmed = '1';
        button.click();
      }
    });
  }
}

function bulkSelection() {
  const all = document.querySelector('[data-select-all]');
  const form = document.getElementById('bulk');
  const button = document.querySelector('[data-bulk-delete]');
  if (!form || !button) return;
  const boxes = () => [...form.querySelectorAll('input[name="emails"]')];
  const update = () => {
    const n = boxes().filter((b) => b.checked).length;
    button.textContent = n === 0 ? 'Delete selected…' : `Delete ${n} selected…`;
    button.disabled = n === 0;
    if (all) {
      all.checked = n > 0 && n === boxes().length;
      all.indeterminate = n > 0 && n < boxes().length;
    }
  };
  all?.addEventListener('change', () => {
    for (const box of boxes()) box.checked = all.checked;
    update();
  });
  form.addEventListener('change', (event) => { if (event.target.name === 'emails') update(); });
  update();
}

function busyButtons() {
  for (const button of document.querySelectorAll('button[data-busy]')) {
    button.form?.addEventListener('submit', () => {
      button.textContent = button.dataset.busy;
      setTimeout(() => { button.disabled = true; });
    });
  }
}

function importProgress() {
  const box = document.getElementById('import-progress');
  if (!box || !['checking', 'writing'].includes(box.dataset.state)) return;
  const text = document.getElementById('progress-text');
  const bar = document.getElementById('progress-bar');
  const poll = async () => {
    const response = await fetch(box.dataset.progressUrl, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
    if (!response.ok) return setTimeout(poll, 2000);
    const job = await response.json();
    if (job.state !== 'checking' && job.state !== 'writing') return location.reload();
    text.textContent = job.state === 'checking' ? `Checking rows: ${job.done}` : `Writing: ${job.done}${job.total !== null ? ` of ${job.total}` : ''}`;
    if (job.total !== null) {
      bar.max = Math.max(job.total, 1);
      bar.value = job.done;
    }
    setTimeout(poll, 500);
  };
  setTimeout(poll, 300);
}

document.addEventListener('DOMContentLoaded', () => {
  notesCounters();
  confirmations();
  bulkSelection();
  busyButtons();
  importProgress();
});
