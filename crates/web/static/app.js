// Duijie: confirmations before destructive or final submissions, and toasts that fade.
// No third-party code; nothing is loaded from outside this server.
document.addEventListener('submit', function (ev) {
  var form = ev.target;
  var question = form.getAttribute && form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) {
    ev.preventDefault();
  }
});
document.addEventListener('DOMContentLoaded', function () {
  var toast = document.querySelector('.toast');
  if (toast) {
    setTimeout(function () { toast.style.display = 'none'; }, 4000);
  }
  document.querySelectorAll('[data-back]').forEach(function (a) {
    a.addEventListener('click', function (ev) { ev.preventDefault(); history.back(); });
  });
});

// Region pickers: a field marked data-region-picker gains drop-downs 省 → 市 → 县 → 乡镇 → 村
// (from /pick/regions, down to data-deepest); choosing one puts its code in the field and
// names it below. Without JavaScript the field stays plain text, read by name or code.
function regionPicker(input) {
  var deepest = input.getAttribute('data-deepest') || 'village';
  var box = document.createElement('div');
  box.className = 'cascade';
  var named = document.createElement('p');
  named.className = 'muted picked';
  input.parentNode.insertBefore(box, input);
  input.parentNode.insertBefore(named, input.nextSibling);
  function load(code) {
    fetch('/pick/regions?deepest=' + deepest + '&code=' + encodeURIComponent(code), { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (a) { if (a) { render(a); } });
  }
  function render(a) {
    box.textContent = '';
    a.columns.forEach(function (col, i) {
      var sel = document.createElement('select');
      sel.setAttribute('aria-label', col.label);
      var none = document.createElement('option');
      none.value = '';
      none.textContent = '选择' + col.label;
      sel.appendChild(none);
      col.choices.forEach(function (c) {
        var o = document.createElement('option');
        o.value = c.code;
        o.textContent = c.name;
        o.selected = c.code === col.chosen;
        sel.appendChild(o);
      });
      sel.addEventListener('change', function () {
        var code = sel.value || (i > 0 ? a.columns[i - 1].chosen : a.root);
        input.value = code;
        load(code);
      });
      box.appendChild(sel);
    });
    named.textContent = a.name && a.name !== '全国' ? '已选：' + a.name : '';
  }
  input.addEventListener('change', function () {
    if (/^[0-9]+$/.test(input.value.trim())) { load(input.value.trim()); }
  });
  load(/^[0-9]+$/.test(input.value.trim()) ? input.value.trim() : '');
}

// Organisation pickers: a field marked data-org-picker suggests registered organisations
// by name or credit code as the person types (/pick/orgs); choosing one puts its credit code
// in the field. Without JavaScript the field takes a credit code or a full name.
function orgPicker(input) {
  var list = document.createElement('ul');
  list.className = 'suggest';
  list.hidden = true;
  var named = document.createElement('p');
  named.className = 'muted picked';
  input.setAttribute('autocomplete', 'off');
  input.parentNode.insertBefore(list, input.nextSibling);
  input.parentNode.insertBefore(named, list.nextSibling);
  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    named.textContent = '';
    var q = input.value.trim();
    if (q.length < 2 || /^[0-9A-Z]{18}$/.test(q)) { list.hidden = true; return; }
    timer = setTimeout(function () {
      fetch('/pick/orgs?q=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          if (input.value.trim() !== q) { return; }
          list.textContent = '';
          found.forEach(function (o) {
            var li = document.createElement('li');
            var b = document.createElement('button');
            b.type = 'button';
            b.textContent = o.name + '（' + o.credit_code + '）' + (o.place ? '　' + o.place : '');
            b.addEventListener('click', function () {
              input.value = o.credit_code;
              list.hidden = true;
              named.textContent = '已选：' + o.name;
              input.dispatchEvent(new Event('change', { bubbles: true }));
            });
            li.appendChild(b);
            list.appendChild(li);
          });
          if (!found.length) {
            var none = document.createElement('li');
            none.textContent = '没有找到名称或信用代码含“' + q + '”的已登记组织';
            list.appendChild(none);
          }
          list.hidden = false;
        });
    }, 250);
  });
}

document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('input[data-region-picker]').forEach(regionPicker);
  document.querySelectorAll('input[data-org-picker]').forEach(orgPicker);
});
