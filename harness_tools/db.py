"""PostgreSQL helpers: short autocommit connections over the local socket,
databases created from a template together with their filestore."""

import os
import shutil
import subprocess
import time

import psycopg2
from psycopg2 import sql


def connect(db, retries=30):
    """An autocommit connection; retried for 15 s while PostgreSQL restarts."""
    last = None
    for _ in range(retries):
        try:
            conn = psycopg2.connect(dbname=db, connect_timeout=5)
            conn.autocommit = True
            return conn
        except psycopg2.OperationalError as error:
            last = error
            time.sleep(0.5)
    raise last


def q(db, query, params=None):
    """Run one statement in a short-lived autocommit connection; its rows."""
    conn = connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def q1(db, query, params=None):
    """The first column of the first row, or None."""
    rows = q(db, query, params)
    return rows[0][0] if rows else None


def table_exists(db, table):
    return bool(q1(db, "SELECT to_regclass(%s) IS NOT NULL", [table]))


def db_exists(db):
    return bool(q1("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [db]))


def databases_like(pattern):
    """Names of the databases matching a LIKE pattern."""
    rows = q(
        "postgres", "SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern]
    )
    return [name for (name,) in rows]


def create_db(name, template=None, file_copy=False):
    """CREATE DATABASE, from `template` if given; `file_copy`: STRATEGY
    FILE_COPY (copies the files without writing them to the WAL)."""
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    if file_copy:
        query += sql.SQL(" STRATEGY FILE_COPY")
    q("postgres", query)


def filestore(data_dir, db):
    return os.path.join(data_dir, "filestore", db)


def copy_filestore(data_dir, src, dst, how):
    """Give database `dst` the filestore of `src`.

    how="hardlink": a tree of hard links. Odoo never rewrites a stored file, it
    only writes new ones and unlinks: each clone unlinks its own links.
    how="symlink": `dst`'s filestore is `src`'s, for clones that write no file.
    """
    src_store, dst_store = filestore(data_dir, src), filestore(data_dir, dst)
    if how == "hardlink":
        if os.path.isdir(src_store):
            subprocess.run(["cp", "-al", src_store, dst_store], check=True)
    elif how == "symlink":
        os.makedirs(os.path.dirname(dst_store), exist_ok=True)
        src_store = os.path.realpath(src_store)
        os.makedirs(src_store, exist_ok=True)
        os.symlink(src_store, dst_store)
    else:
        raise ValueError(how)


def clone_db(src, dst, data_dir, filestore_copy="hardlink", file_copy=False):
    """`dst` as a copy of database `src` and of its filestore."""
    create_db(dst, template=src, file_copy=file_copy)
    copy_filestore(data_dir, src, dst, filestore_copy)


def drop_db(name, data_dir=None):
    """Drop the database (its sessions ended first) and its filestore."""
    q(
        "postgres",
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)),
    )
    if data_dir:
        store = filestore(data_dir, name)
        if os.path.islink(store):
            os.unlink(store)
        else:
            shutil.rmtree(store, ignore_errors=True)
