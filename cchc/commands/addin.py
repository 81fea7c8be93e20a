"""``cchc addin``: the "Kiểm tra" button in Excel — desktop add-in, Office.js server, xlwings Lite.

Every text printed is a ``cli.addin.*`` message; a server that cannot start (no licence key, a
missing package, wrong settings, a port already in use) says why in Vietnamese, exit code 2.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket

from cchc.commands.common import add_command, job_count, port_number, positive_number
from cchc.errors import CliError
from workbooks.messages import Message, text

SPARE_PORT = 8001  # suggested when the default port is taken


def run_build(args: argparse.Namespace) -> int:
    """Write the desktop ribbon add-ins and their Python modules."""
    from addin.xlam import build

    paths = build(args.out, python_win=args.python_win, python_mac=args.python_mac)
    print(text("cli.addin.built", count=len(paths), folder=args.out))
    for path in paths:
        print(f"  {path.name}")
    print(text("cli.addin.install_guide", guide="HUONG_DAN_CAI_DAT.md"))
    return 0


def run_lite(args: argparse.Namespace) -> int:
    """Write main.py and requirements.txt for xlwings Lite."""
    from addin.lite import DEFAULT_WHEEL_URL, build_lite

    paths = build_lite(args.out, args.wheel_url or DEFAULT_WHEEL_URL)
    print(text("cli.addin.lite_built", names=", ".join(p.name for p in paths), folder=args.out))
    return 0


def _token(args: argparse.Namespace) -> str | None:
    """The access code from ``--token-file`` (None: take ``CCHC_ADDIN_TOKEN`` or none)."""
    if not args.token_file:
        return None
    try:
        with open(args.token_file, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise ValueError(text("server.token_file_unreadable", path=args.token_file, error=exc.strerror)) from exc


def check_port_free(host: str, port: int) -> None:
    """Bind ``host:port`` once, as the server will (address reuse on), and release it.

    Raises:
        CliError: the port is taken, forbidden, or the address is not one of this machine's.
    """
    params = {"host": host, "port": str(port), "other": str(SPARE_PORT if port != SPARE_PORT else SPARE_PORT + 1)}
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except socket.gaierror as exc:
        raise CliError("cli.addin.host_unknown", **params) from exc
    except OSError as exc:
        message_id = {errno.EADDRINUSE: "cli.addin.port_in_use", errno.EACCES: "cli.addin.port_denied",
                      errno.EADDRNOTAVAIL: "cli.addin.host_unknown"}.get(exc.errno or 0, "cli.addin.listen_failed")
        raise CliError(message_id, code=str(exc.errno), **params) from exc


def run_serve(args: argparse.Namespace) -> int:
    """Start the server for the Office.js task pane (exit code 2 with the reason when it cannot)."""
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise CliError("cli.addin.license_missing")
    try:
        import uvicorn

        from addin.server import ServerConfigError, create_app, settings_for
    except ModuleNotFoundError as exc:
        raise CliError("cli.addin.package_missing", package=exc.name or "?") from exc
    try:
        settings = settings_for(host=args.host, port=args.port, max_bytes=int(args.max_mb * 1_048_576),
                                public_url=args.public_url, token=_token(args), cors_origins=args.cors_origin,
                                jobs=args.jobs, timeout=args.timeout)
    except (ServerConfigError, ValueError) as exc:
        raise CliError(Message("cli.addin.settings", str(exc))) from exc
    check_port_free(args.host, args.port)
    app = create_app(settings=settings)
    access = text("cli.addin.access_token" if settings.token else "cli.addin.access_open")
    print(text("cli.addin.serving", host=args.host, port=str(args.port), access=access))
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def register(sub) -> None:
    """Add ``addin`` with its subcommands ``build``, ``serve``, ``lite``."""
    p = add_command(sub, "addin", "Nút \"Kiểm tra\" trong Excel cho đơn vị (add-in)",
                    "Ba cách đưa nút Kiểm tra vào Excel của đơn vị: add-in cho Excel trên máy tính có cài "
                    "Python (build), máy chủ của Sở cho Excel 2016+ / Excel trên web (serve), hoặc xlwings "
                    "Lite (lite).")
    inner = p.add_subparsers(title="Lệnh con", metavar="LỆNH_CON")

    b = add_command(inner, "build", "Tạo add-in KiemTraCCHC.xlam (Excel trên máy tính có Python)",
                    "Tạo KiemTraCCHC.xlam và XoaDanhDauCCHC.xlam từ mẫu add-in ribbon của xlwings (thẻ CCHC), "
                    "kèm mô-đun Python, tệp cấu hình myaddin.conf và hướng dẫn cài đặt.")
    b.add_argument("--out", required=True, metavar="THƯ_MỤC", help="thư mục kết quả")
    b.add_argument("--python-win", default="pythonw", metavar="ĐƯỜNG_DẪN",
                   help="trình thông dịch Python trên Windows (mặc định pythonw trong PATH)")
    b.add_argument("--python-mac", default="/usr/local/bin/python3", metavar="ĐƯỜNG_DẪN",
                   help="trình thông dịch Python trên macOS (đường dẫn đầy đủ)")
    b.set_defaults(func=run_build)

    s = add_command(inner, "serve", "Chạy máy chủ kiểm tra cho ngăn Office.js (Excel 2016+, Excel trên web)",
                    "Chạy máy chủ FastAPI nhận sổ Excel từ ngăn \"Kiểm tra CCHC\", kiểm tra và trả về thao tác "
                    "tô màu, sheet Kết quả kiểm tra. Cần XLWINGS_LICENSE_KEY=noncommercial.")
    s.add_argument("--host", default="127.0.0.1", metavar="ĐỊA_CHỈ", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    s.add_argument("--port", type=port_number, default=8000, metavar="CỔNG", help="cổng (mặc định 8000)")
    s.add_argument("--public-url", default=None, metavar="URL",
                   help="địa chỉ HTTPS đơn vị truy cập, ghi vào manifest (vd https://cchc.sonla.gov.vn); "
                        "bắt buộc khi --host không phải 127.0.0.1/localhost")
    s.add_argument("--max-mb", type=positive_number, default=20.0, metavar="MB",
                   help="dung lượng tối đa một lần gửi (mặc định 20 MB)")
    s.add_argument("--token-file", default=None, metavar="TỆP",
                   help="tệp chứa mã truy cập của tỉnh; khi có, mọi yêu cầu kiểm tra phải kèm mã "
                        "(hoặc đặt biến môi trường CCHC_ADDIN_TOKEN)")
    s.add_argument("--cors-origin", action="append", default=[], metavar="URL",
                   help="nguồn (https://…) được gọi máy chủ từ trang khác; mặc định không nguồn nào")
    s.add_argument("--jobs", type=job_count, default=None, metavar="N",
                   help="số tiến trình kiểm tra cùng lúc (mặc định 2)")
    s.add_argument("--timeout", type=positive_number, default=None, metavar="GIÂY",
                   help="thời gian tối đa kiểm tra một sổ (mặc định 120 giây)")
    s.set_defaults(func=run_serve)

    lite = add_command(inner, "lite", "Tạo main.py và requirements.txt cho xlwings Lite",
                       "Tạo main.py (các hàm @script kiem_tra, xoa_danh_dau) và requirements.txt để dán vào "
                       "xlwings Lite, kèm hướng dẫn.")
    lite.add_argument("--out", required=True, metavar="THƯ_MỤC", help="thư mục kết quả")
    lite.add_argument("--wheel-url", default=None, metavar="URL",
                      help="địa chỉ tệp cchc-*.whl trên máy chủ của Sở")
    lite.set_defaults(func=run_lite)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])
