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
