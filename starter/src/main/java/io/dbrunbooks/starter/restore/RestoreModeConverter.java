package io.dbrunbooks.starter.restore;

import io.dbrunbooks.workflows.restore.RestoreMode;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Accepts the restore modes as written in JSON input ({@code isolated}, {@code promote}), any case. */
public final class RestoreModeConverter implements ITypeConverter<RestoreMode> {
  @Override
  public RestoreMode convert(String value) {
    return switch (value.toLowerCase()) {
      case "isolated" -> RestoreMode.ISOLATED;
      case "promote" -> RestoreMode.PROMOTE;
      default -> throw new TypeConversionException("'" + value + "' is not a restore mode: use isolated or promote");
    };
  }
}
